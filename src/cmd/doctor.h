/* doctor, the command: the items doctor/doctor.h judges, printed one
 * line each (doctor_run). */
#ifndef NSX_DOCTOR_H
#define NSX_DOCTOR_H

#include <stddef.h>

#include "doctor/doctor.h"

/* Write one item as its report line (without the newline). */
void doctor_format(const struct doctor_item *it, char *buf, size_t len);

#endif
