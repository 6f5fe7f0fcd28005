/* The monotonic clock, in the units callers count in: timeouts, refresh
 * intervals, ages of cached values. Not the wall clock. */
#ifndef NSX_CLOCK_H
#define NSX_CLOCK_H

#include <stdint.h>

uint64_t clock_ms(void);
uint64_t clock_us(void);

#endif
