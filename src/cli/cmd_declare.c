/* tanji declare: battery carbon footprint declarations (MIIT 551 and EU
 * 2023/1542 Art. 7) and the EU CBAM communication (docs/battery.md,
 * docs/cbam.md). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "io/declare_out.h"
#include "io/model.h"
#include "services/battery.h"
#include "services/cbam.h"
#include "services/declaration.h"

#define DECLARE_MAX_BYTES ((size_t)16 << 20)

static void usage(FILE *out)
{
    fputs("usage: tanji declare battery MODEL.json --battery PACK.json [options]\n"
          "       tanji declare cbam INSTALLATION.json [options]\n"
          "       tanji declare list [--db DB] [--as NAME]      saved declarations 已保存的申报\n"
          "       tanji declare show ID [--db DB] [--as NAME]   one saved declaration (JSON)\n"
          "\n"
          "battery: the traction-battery carbon footprint declaration of China (MIIT "
          "工信厅通装函〔2025〕551号)\n"
          "  and of EU Regulation 2023/1542 Art. 7, both from ONE calculation of MODEL.json (the model's\n"
          "  product counted in packs, e.g. 1 piece).  PACK.json: manufacturer, model, plant, rated and\n"
          "  usable energy, the total-energy method and its inputs, study URL (docs/battery.md).\n"
          "  动力电池碳足迹申报（工信部 551 号文与欧盟电池法规第 7 条），同一模型同一次计算。\n"
          "cbam: specific embedded emissions of an installation's goods (direct and indirect apart,\n"
          "  precursors recursively, defaults flagged) and the exporter's communication to its EU importer\n"
          "  (docs/cbam.md).  欧盟 CBAM 产品隐含排放与向进口商的通报。\n"
          "\n"
          "options:\n"
          "  --battery FILE        (battery) the declaration data                    申报数据\n"
          "  --format json|text    standard output / -o format (default text)        输出格式\n"
          "  -o, --output FILE     write the JSON or text there instead of standard output\n"
          "  --pdf FILE            (battery) also write the printable declaration (Chinese) 打印版 PDF\n"
          "  --xlsx FILE           (cbam) also write the communication workbook (.xlsx)     通报表格\n"
          "  --gwp AR6|AR5         (battery) GWP100 set (default AR6)\n"
          "  --db DB               (battery) resolve the model's database factor references there\n"
          "  --save                keep the declaration (input and result) as a record of the\n"
          "                        organisation acted for, a ledger entry; prints its id 保存并记入台账\n"
          "  --as NAME             act as this user (with --db or --save)\n"
          "  -h, --help            this help\n"
          "\n"
          "exit codes: 0 ok, 1 usage error, 2 bad input (the message names the JSON path or\n"
          "file:line:column; nothing is written), 3 internal or I/O error.\n",
          out);
}

static void text_battery(FILE *f, const json_t *d)
{
    const json_t *b = json_object_get(d, "battery"), *m = json_object_get(d, "miit"),
                 *e = json_object_get(d, "eu"), *en = json_object_get(d, "total_energy");
    fprintf(f, "电池碳足迹申报 battery footprint declaration%s\n",
            json_is_true(json_object_get(d, "example")) ? "  [示例 EXAMPLE]" : "");
    fprintf(f, "  %s / %s / %s\n", json_string_value(json_object_get(b, "manufacturer")),
            json_string_value(json_object_get(b, "battery_model")),
            json_string_value(json_object_get(b, "plant")));
    fprintf(f, "  total energy 全生命周期总能量: %.6g kWh (%s)\n",
            json_number_value(json_object_get(en, "total_energy_kwh")),
            json_string_value(json_object_get(en, "formula")));
    const json_t *schemes[2] = {m, e};
    const char *names[2] = {"MIIT 551", "EU 2023/1542 Art. 7"};
    for (int k = 0; k < 2; k++) {
        fprintf(f, "  %s: %.6g kg CO2e/kWh%s\n", names[k],
                json_number_value(json_object_get(schemes[k], "kg_co2e_per_kwh")),
                json_is_true(json_object_get(schemes[k], "in_scope")) ? "" : "  (out of scope 不在适用范围)");
        size_t i;
        const json_t *s;
        json_array_foreach(json_object_get(schemes[k], "stages"), i, s)
            fprintf(f, "    %-45s %12.6g\n", json_string_value(json_object_get(s, "name_en")),
                    json_number_value(json_object_get(s, "kg_co2e_per_kwh")));
    }
    fprintf(f, "  EU delegated act not final: %s\n", "see eu.delegated_act.status / 欧盟授权法案未定");
    size_t i;
    const json_t *n;
    json_array_foreach(json_object_get(d, "notes"), i, n) fprintf(f, "  note: %s\n", json_string_value(n));
}

static void text_cbam(FILE *f, const json_t *c)
{
    fprintf(f, "CBAM communication 通报%s: %s\n",
            json_is_true(json_object_get(c, "example")) ? "  [示例 EXAMPLE]" : "",
            json_string_value(json_object_get(json_object_get(c, "installation"), "name")));
    fprintf(f, "  %-20s %-10s %-12s %10s %10s %10s %8s\n", "good", "CN", "sector", "SEE dir", "SEE ind",
            "counted", "default");
    size_t i;
    const json_t *g;
    json_array_foreach(json_object_get(c, "goods"), i, g) fprintf(
        f, "  %-20s %-10s %-12s %10.5g %10.5g %10.5g %7.1f%%\n", json_string_value(json_object_get(g, "id")),
        json_string_value(json_object_get(g, "cn_code")), json_string_value(json_object_get(g, "sector")),
        json_number_value(json_object_get(g, "see_direct")),
        json_number_value(json_object_get(g, "see_indirect")),
        json_number_value(json_object_get(g, "see_counted")),
        100 * json_number_value(json_object_get(g, "default_share")));
    fprintf(f, "  (tCO2e per t; counted = direct only for iron and steel, aluminium, hydrogen)\n");
}

/* tanji declare list | show ID */
static int saved(int argc, char **argv, const struct option *longopts)
{
    const char *db = NULL, *as = NULL;
    optind = 2;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'A': as = optarg; break;
        case 'h': usage(stdout); return 0;
        default: fprintf(stderr, "tanji declare %s: takes --db and --as only\n", argv[1]); return EXIT_USAGE;
        }
    }
    int show = !strcmp(argv[1], "show");
    if (optind != argc - show) {
        fprintf(stderr, "tanji declare %s: %s\n", argv[1],
                show ? "give one declaration id" : "takes no argument");
        return EXIT_USAGE;
    }
    tj_error err;
    tj_error_clear(&err);
    store_db *store = NULL;
    svc_ctx ctx = {0};
    json_t *out = NULL;
    tj_status st = cli_open_ctx(db, as, &store, &ctx, &err);
    if (!st)
        st = show ? svc_declaration_get(&ctx, argv[optind], 1, &out, &err)
                  : svc_declaration_list(&ctx, 1000, 0, &out, &err);
    if (!st &&
        (json_dumpf(out, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(12)) || fputc('\n', stdout) == EOF))
        st = tj_error_set(&err, TJ_ERR_IO, NULL, "write failed");
    json_decref(out);
    if (store) {
        svc_ctx_release(&ctx);
        store_close(store);
    }
    return st ? cli_fail(&err) : 0;
}

int cmd_declare(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"battery", required_argument, NULL, 'b'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"pdf", required_argument, NULL, 'P'},
        {"xlsx", required_argument, NULL, 'X'},
        {"gwp", required_argument, NULL, 'g'},
        {"db", required_argument, NULL, 'd'},
        {"as", required_argument, NULL, 'A'},
        {"save", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return 0;
    }
    if (argc >= 2 && (!strcmp(argv[1], "list") || !strcmp(argv[1], "show")))
        return saved(argc, argv, longopts);
    if (argc < 2 || (strcmp(argv[1], "battery") && strcmp(argv[1], "cbam"))) {
        fprintf(stderr, "tanji declare: give battery, cbam, list or show (see tanji declare --help)\n");
        return EXIT_USAGE;
    }
    int is_battery = !strcmp(argv[1], "battery");
    const char *battery = NULL, *format = "text", *output = NULL, *pdf = NULL, *xlsx = NULL, *gwp_s = "AR6",
               *db = NULL, *as = NULL;
    tj_error err;
    tj_error_clear(&err);
    optind = 2;
    opterr = 0;
    int c, save = 0;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'V': save = 1; break;
        case 'b': battery = optarg; break;
        case 'f': format = optarg; break;
        case 'o': output = optarg; break;
        case 'P': pdf = optarg; break;
        case 'X': xlsx = optarg; break;
        case 'g': gwp_s = optarg; break;
        case 'd': db = optarg; break;
        case 'A': as = optarg; break;
        case 'h': usage(stdout); return 0;
        case ':':
            fprintf(stderr, "tanji declare: option %s needs a value\n", argv[optind - 1]);
            return EXIT_USAGE;
        default:
            fprintf(stderr, "tanji declare: unknown option %s (see tanji declare --help)\n",
                    argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "tanji declare %s: give exactly one %s\n", argv[1],
                is_battery ? "MODEL.json" : "INSTALLATION.json");
        return EXIT_USAGE;
    }
    if (strcmp(format, "json") && strcmp(format, "text")) {
        fprintf(stderr, "tanji declare: --format must be json or text, not \"%s\"\n", format);
        return EXIT_USAGE;
    }
    if (is_battery ? (xlsx != NULL) : (pdf || battery || ((db || as) && !save) || strcmp(gwp_s, "AR6"))) {
        fprintf(stderr, "tanji declare %s: option not for this declaration (see tanji declare --help)\n",
                argv[1]);
        return EXIT_USAGE;
    }
    if (is_battery && !battery) {
        fprintf(
            stderr,
            "tanji declare battery: --battery PACK.json is required (rated energy, total-energy data ...)\n");
        return EXIT_USAGE;
    }
    if ((save || as) && !db)
        db = cli_db_url(NULL);
    json_t *in = NULL, *out = NULL, *model = NULL, *saved_in = NULL;
    char *saved_id = NULL;
    svc_ctx ctx = {0};
    store_db *store = NULL;
    FILE *f = NULL;
    tj_status st;
    if ((st = io_load_json_file(is_battery ? battery : argv[optind], DECLARE_MAX_BYTES, &in, NULL, &err)))
        goto fail;
    if (is_battery) {
        svc_calc_request rq;
        svc_calc_request_init(&rq);
        rq.model_path = argv[optind];
        if (tj_gwp_set_parse(gwp_s, &rq.gwp, &err)) {
            err.code = TJ_ERR_USAGE;
            st = TJ_ERR_USAGE;
            goto fail;
        }
        if (db && (st = cli_open_ctx(db, as, &store, &ctx, &err)))
            goto fail;
        if ((st = svc_battery_declare(db ? &ctx : NULL, &rq, in, &out, &err)))
            goto fail;
    } else {
        if (db && (st = cli_open_ctx(db, as, &store, &ctx, &err)))
            goto fail;
        if ((st = svc_cbam_communication(db ? &ctx : NULL, in, &out, &err)))
            goto fail;
    }
    if (save) {
        if (is_battery) {
            if ((st = io_load_json_file(argv[optind], DECLARE_MAX_BYTES, &model, NULL, &err)))
                goto fail;
            saved_in = json_pack("{s:O,s:O}", "model", model, "battery", in);
        } else
            saved_in = json_incref(in);
        if (!saved_in) {
            st = tj_error_set(&err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto fail;
        }
        if ((st =
                 svc_declaration_save(&ctx, is_battery ? "battery" : "cbam", saved_in, out, &saved_id, &err)))
            goto fail;
        json_object_set_new(out, "id", json_string(saved_id));
    }
    /* files first: nothing is printed when one cannot be written */
    if (pdf && (st = io_battery_pdf(out, pdf, &err)))
        goto fail;
    if (xlsx && (st = io_cbam_xlsx(out, xlsx, &err)))
        goto fail;
    if (!(f = cli_open_output(output, &err))) {
        st = err.code ? err.code : TJ_ERR_IO;
        goto fail;
    }
    if (!strcmp(format, "json")) {
        if (json_dumpf(out, f, JSON_INDENT(2) | JSON_REAL_PRECISION(12)) || fputc('\n', f) == EOF) {
            st = tj_error_set(&err, TJ_ERR_IO, NULL, "write failed");
            goto fail;
        }
    } else if (is_battery)
        text_battery(f, out);
    else
        text_cbam(f, out);
    st = cli_commit_output(f, &err);
    f = NULL;
    if (st)
        goto fail;
    if (saved_id)
        fprintf(stderr, "saved declaration 已保存: %s\n", saved_id);
    free(saved_id);
    json_decref(in);
    json_decref(out);
    json_decref(model);
    json_decref(saved_in);
    svc_ctx_release(&ctx);
    store_close(store);
    return 0;
fail:
    free(saved_id);
    json_decref(model);
    json_decref(saved_in);
    if (f)
        cli_close_output(f);
    json_decref(in);
    json_decref(out);
    if (store) {
        svc_ctx_release(&ctx);
        store_close(store);
    }
    return cli_fail(&err);
}
