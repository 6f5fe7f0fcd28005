/* Values of options and of lesson checks (see parse.h). */
#define _GNU_SOURCE
#include "util/parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
parse_memory(const char *s, long long *bytes, struct nsx_err *err)
{
	return parse_size("--memory", s, bytes, err);
}

int
parse_size(const char *opt, const char *s, long long *bytes, struct nsx_err *err)
{
	static const char units[] = "kmgt";
	unsigned long long n;
	const char *u;
	char *end;
	int shift = 0;

	/* strtoull would take " 1", "+1" and "-1" (as a huge number) */
	if (!isdigit((unsigned char)s[0]))
		return nsx_error(err, 0, "%s %s: not a size (use e.g. 64m, 1G)", opt, s);
	errno = 0;
	n = strtoull(s, &end, 10);
	if (*end && (u = strchr(units, tolower((unsigned char)*end)))) {
		shift = 10 * (int)(u - units + 1);
		end++;
		end += *end == 'i';
	}
	end += (*end == 'b' || *end == 'B');
	if (*end)
		return nsx_error(err, 0, "%s %s: not a size (use e.g. 64m, 1G)", opt, s);
	if (n == 0)
		return nsx_error(err, 0, "%s %s: must be more than 0", opt, s);
	if (errno == ERANGE || n > ((unsigned long long)LLONG_MAX >> shift))
		return nsx_error(err, 0, "%s %s: too large", opt, s);
	*bytes = (long long)(n << shift);
	return 0;
}

int
parse_pids(const char *s, long long *n, struct nsx_err *err)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = isdigit((unsigned char)s[0]) ? strtoull(s, &end, 10) : 0;
	if (v == 0 || *end)
		return nsx_error(err, 0, "--pids %s: not a positive number of processes (use e.g. 64)", s);
	if (errno == ERANGE || v > (unsigned long long)PARSE_PIDS_MAX)
		return nsx_error(err, 0, "--pids %s: at most %lld (the kernel's PID_MAX_LIMIT)",
				 s, PARSE_PIDS_MAX);
	*n = (long long)v;
	return 0;
}

int
parse_cpus(const char *s, long long *milli, struct nsx_err *err)
{
	long long whole = 0, frac = 0, m, online = sysconf(_SC_NPROCESSORS_ONLN);
	int nfrac = 0, ndig = 0;
	const char *p;

	/* capped, not overflowing: the CPU count check below refuses it */
	for (p = s; isdigit((unsigned char)*p); p++, ndig++)
		whole = whole < 1000000 ? whole * 10 + (*p - '0') : whole;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p) && nfrac < 3; p++, ndig++, nfrac++)
			frac = frac * 10 + (*p - '0');
	if (*p || !ndig)
		return nsx_error(err, 0, "--cpus %s: not a number of CPUs (use e.g. 0.5, 2; "
				 "at most 3 decimals)", s);
	for (; nfrac < 3; nfrac++)
		frac *= 10;
	m = whole * 1000 + frac;
	if (m < 10)
		return nsx_error(err, 0, "--cpus %s: at least 0.01 (the kernel's smallest "
				 "quota is 1 ms per 100 ms)", s);
	if (online > 0 && m > online * 1000)
		return nsx_error(err, 0, "--cpus %s: this machine has %lld CPU%s online",
				 s, online, online == 1 ? "" : "s");
	*milli = m;
	return 0;
}

int
parse_cidr4(const char *s, struct cidr4 *c, struct nsx_err *err)
{
	const char *slash = strchr(s, '/');
	char addr[INET_ADDRSTRLEN], net[INET_ADDRSTRLEN];
	struct in_addr a;
	uint32_t mask;
	char *end;
	long p;

	if (!slash || (size_t)(slash - s) >= sizeof(addr) || !isdigit((unsigned char)slash[1]))
		goto bad;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (inet_pton(AF_INET, addr, &a) != 1)
		goto bad;
	errno = 0;
	p = strtol(slash + 1, &end, 10);
	if (*end)
		goto bad;
	if (p < 1 || p > 30 || errno)
		return nsx_error(err, 0, "%s: the prefix length must be 1 to 30 (a /31 or /32 "
				 "has no room for the host's and the container's addresses)", s);
	mask = ~0u << (32 - p);
	if (ntohl(a.s_addr) & ~mask) {
		struct in_addr n = { htonl(ntohl(a.s_addr) & mask) };

		inet_ntop(AF_INET, &n, net, sizeof(net));
		return nsx_error(err, 0, "%s: host bits are set (the network is %s/%ld)", s, net, p);
	}
	c->net = a;
	c->prefix = (int)p;
	return 0;
bad:
	return nsx_error(err, 0, "%s: not an IPv4 network in CIDR form (use e.g. 10.200.0.0/30)", s);
}
