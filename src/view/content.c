/* placeholder until the real module lands */
#include "view/content.h"

#include <string.h>

void content_label(const struct nsx_model *m, const struct nsx_ns *ns, char *buf, size_t n) { (void)m; (void)ns; if (n) buf[0] = '\0'; }
void content_glance(const struct nsx_model *m, const struct nsx_ns *ns, char *buf, size_t n) { (void)m; (void)ns; if (n) buf[0] = '\0'; }
void content_detail(const struct nsx_model *m, const struct nsx_ns *ns, char ***lines, size_t *n) { (void)m; (void)ns; (void)lines; (void)n; }
void content_forget(void) { }
