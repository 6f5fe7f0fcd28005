/* Values of options and of lesson checks: sizes, counts, CPUs, IPv4
 * networks. Pure (nothing read but the number of online CPUs); each
 * message starts with the option (or the value) and says what would be
 * right. Used by run's options, the cgroup and net modules and the lesson
 * checks alike. */
#ifndef NSX_PARSE_H
#define NSX_PARSE_H

#include <netinet/in.h>

#include "util/err.h"

#define PARSE_PIDS_MAX 4194304LL	/* PID_MAX_LIMIT: pids.max refuses more (EINVAL) */

/* "64m", "1G", "512k", "1048576" (bytes; k m g t are powers of 1024, an
 * optional "b"/"ib" after them is allowed: "64mb", "1GiB"); "abc", "0",
 * "-1", "1x", "1.5g" refused. The message names --memory and the value. */
int parse_memory(const char *s, long long *bytes, struct nsx_err *err);
/* The same for any option taking a size (OPT names it in messages). */
int parse_size(const char *opt, const char *s, long long *bytes, struct nsx_err *err);
/* a positive integer, at most 4194304 (the kernel's PID_MAX_LIMIT) */
int parse_pids(const char *s, long long *n, struct nsx_err *err);
/* "0.5", "2", ".25": at least 0.01 (the kernel's 1 ms quota per 100 ms
 * period), at most 3 decimals, at most the number of online CPUs x 1000 */
int parse_cpus(const char *s, long long *milli, struct nsx_err *err);

struct cidr4 {
	struct in_addr net;	/* network address, host bits zero */
	int prefix;		/* 1..30 */
};

/* "10.200.0.0/24" (host bits must be zero, prefix 1..30). The message
 * starts with the value: "10.200.0.1/24: host bits are set (the network is
 * 10.200.0.0/24)". */
int parse_cidr4(const char *s, struct cidr4 *c, struct nsx_err *err);

#endif
