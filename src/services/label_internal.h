/* Helpers shared by label.c (issue, online verification) and
 * label_verify.c (offline verification).  Internal to services/. */
#ifndef SERVICES_LABEL_INTERNAL_H
#define SERVICES_LABEL_INTERNAL_H

#include <jansson.h>

typedef struct vreport {
    json_t *checks, *problems;
} vreport;

/* canonical JSON of {label, signature} (malloc'ed) */
char *label_signed_document(const json_t *label, const json_t *sig);
void label_check(vreport *r, const char *name, int ok, const char *why);
int label_sig_ok(const json_t *label, const json_t *sig, const unsigned char pk[32]);
/* The issue entry names this document: kind, object, document digest. */
int label_entry_ok(const char *entry, const char *number, const json_t *label, const json_t *sig, const char **why);
json_t *label_finish_report(vreport *r, const char *number, const char *status, int listed);
void label_check_validity(vreport *r, const json_t *label, const char *at);
void label_check_status(vreport *r, const char *status);

#endif
