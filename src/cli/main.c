/* tanji command: dispatch to subcommands. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

#define TANJI_VERSION "0.1.0"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary_en;
    const char *summary_zh;
} command;

static const command commands[] = {
    {"calc", cmd_calc, "calculate a product carbon footprint", "计算产品碳足迹"},
    {"footprint", cmd_footprint, "saved footprint records: list, show, export", "碳足迹记录：列表、查看、导出"},
    {"check", cmd_check, "check a model against its accounting rule", "检查模型是否符合核算规则"},
    {"import", cmd_import, "import outside data (openLCA JSON-LD)", "导入外部数据（openLCA JSON-LD）"},
    {"model", cmd_model, "build a model from enterprise ledgers (.xlsx or CSV)", "由企业台账（Excel 或 CSV）生成模型"},
    {"report", cmd_report, "write a footprint report (HTML, PDF, JSON)", "生成碳足迹报告"},
    {"rule", cmd_rule, "list, show and find accounting rules", "核算规则：列出、查看、查找适用规则"},
    {"migrate", cmd_migrate, "create or upgrade the database schema (operator)", "建库或升级数据库结构（运维）"},
    {"admin", cmd_admin, "ledger key, organisations and users (operator)", "初始化台账密钥、组织与用户管理（运维）"},
    {"ledger", cmd_ledger, "the tamper-evident ledger: heads, proofs, verify", "防篡改台账：树头、证明、校验"},
    {"cert", cmd_cert, "label certification: bodies, keys, catalogue, applications", "碳标识认证：机构、密钥、目录、申请"},
    {"label", cmd_label, "certified labels: verify, graphic, lifecycle, expiry", "碳标识：校验、图样、状态管理、到期"},
    {"grade", cmd_grade, "grading benchmarks and statistics", "分级基准与统计"},
    {"disclose", cmd_disclose, "publish or withdraw footprints", "碳足迹信息披露与撤回"},
    {"registry", cmd_registry, "public registry: search, compare, ESG section", "公示查询、同类比较、ESG 披露"},
    {"serve", cmd_serve, "run the platform server (JSON API)", "运行平台服务（JSON API）"},
    {"pact", cmd_pact, "PACT exchange: pull suppliers' footprints, attributes, partners", "PACT 数据交换：拉取供应商碳足迹、属性、合作方"},
    {"factor", cmd_factor, "the factor database: workflow, search, resolve, import", "碳足迹因子库：审核发布、检索、选取、导入导出"},
    {"declare", cmd_declare, "battery footprint declarations (MIIT, EU) and CBAM communication", "电池碳足迹申报（工信部、欧盟）与 CBAM 通报"},
    {"federation", cmd_federation, "federation: identity, trust, signed packages, pulls, recognition", "联邦互认：实例身份、信任、签名数据包、拉取、互认"},
    {"procure", cmd_procure, "green procurement: requirements, offers, ranking, decisions", "绿色采购：需求、报价、排序、决定"},
    {"finance", cmd_finance, "green finance: consent, borrowers, eligibility, portfolio", "绿色金融：授权、借款人核验、准入、投资组合"},
    {"inclusion", cmd_inclusion, "carbon inclusion: methodologies, credits, accounts, registry", "碳普惠：方法学、减排量计入、账户、登记簿"},
    {"park", cmd_park, "parks and supply chains; regulators' statistics", "园区与供应链；主管部门统计"},
};

static void usage(FILE *out)
{
    fprintf(out,
            "tanji " TANJI_VERSION " - product carbon footprint management (碳迹 产品碳足迹管理)\n\n"
            "usage: tanji COMMAND [OPTIONS] [ARGS]\n"
            "       tanji COMMAND --help\n\n"
            "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s / %s\n", commands[i].name, commands[i].summary_en,
                commands[i].summary_zh);
    fprintf(out, "\nexit codes: 0 ok, 1 usage error, 2 bad input, 3 internal/I-O/database error,\n"
                 "            4 model does not conform to its rule (tanji check),\n"
                 "            6 ledger verification found problems or a proof does not hold\n");
}

/* cli_exit_code and cli_fail: cli_exit.c (shared with the launcher, src/launch/main.c) */

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        puts("tanji " TANJI_VERSION);
        return 0;
    }
    /* past a file-size limit a write fails with EFBIG and is reported,
     * rather than the process being killed mid-file */
    signal(SIGXFSZ, SIG_IGN);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) {
            return cli_finish(commands[i].run(argc - 1, argv + 1));
        }
    fprintf(stderr, "tanji: unknown command \"%s\" (see tanji --help)\n", argv[1]);
    return EXIT_USAGE;
}
