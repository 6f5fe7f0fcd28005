/* A delegated scope from the user's systemd (see scope.h). */
#define _GNU_SOURCE
#include "cgroup/scope.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/sdbus_dl.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SCOPE_USEC (10 * 1000000ULL)	/* each call, and the job */

/* A D-Bus address's value: bytes outside [-0-9A-Za-z_/.\*] as %XX. */
static void
bus_escape(const char *s, char *out, size_t n)
{
	size_t len = 0;

	for (; *s && len + 4 < n; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    strchr("-_/.\\*", c))
			out[len++] = (char)c;
		else
			len += (size_t)snprintf(out + len, n - len, "%%%02x", c);
	}
	out[len] = '\0';
}

/* The user's runtime directory, as sd-bus and systemctl take it. */
static void
runtime_dir(char *out, size_t n)
{
	const char *x = getenv("XDG_RUNTIME_DIR");

	if (x && x[0] == '/')
		snprintf(out, n, "%s", x);
	else
		snprintf(out, n, "/run/user/%u", (unsigned)getuid());
}

/* A connection to the user's manager: its own socket, else the session
 * bus. *direct: the former (no bus daemon: signals carry no sender). */
static int
bus_open(sd_bus **bus, bool *direct, struct nsx_err *err)
{
	char dir[256], esc[800], addr[832];
	int r, r2;

	*bus = NULL;
	if (sdbus_dl_load(err) < 0)
		return -1;
	*direct = true;
	runtime_dir(dir, sizeof(dir));
	bus_escape(dir, esc, sizeof(esc));
	snprintf(addr, sizeof(addr), "unix:path=%s/systemd/private", esc);
	if ((r = sd_bus_new(bus)) >= 0 && (r = sd_bus_set_address(*bus, addr)) >= 0 &&
	    (r = sd_bus_start(*bus)) >= 0)
		return sd_bus_set_method_call_timeout(*bus, SCOPE_USEC), 0;
	*bus = sd_bus_flush_close_unref(*bus);
	*direct = false;
	if ((r2 = sd_bus_open_user(bus)) >= 0)
		return sd_bus_set_method_call_timeout(*bus, SCOPE_USEC), 0;
	*bus = NULL;
	return nsx_error(err, -r2, "no systemd user manager answers (%s/systemd/private: %s; "
			 "session bus: %s)", dir, strerror(-r), strerror(-r2));
}

/* systemd's words for a failed call */
static int
bus_fail(sd_bus_error *e, int r, const char *what, struct nsx_err *err)
{
	nsx_error(err, -r, "systemd's user manager: %s: %s", what,
		  e->message ? e->message : e->name ? e->name : strerror(-r));
	sd_bus_error_free(e);
	return -1;
}

int
scope_reachable(char *what, size_t n, char *cgroup, size_t cgn, struct nsx_err *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus *bus;
	char *ver = NULL, *cg = NULL;
	bool direct;
	int r;

	if (bus_open(&bus, &direct, err) < 0)
		return -1;
	r = sd_bus_get_property_string(bus, SD_DEST, SD_PATH, SD_MANAGER, "Version", &e, &ver);
	if (r >= 0)
		r = sd_bus_get_property_string(bus, SD_DEST, SD_PATH, SD_MANAGER, "ControlGroup", &e,
					       &cg);
	sd_bus_flush_close_unref(bus);
	if (r < 0) {
		free(ver);
		return bus_fail(&e, r, "reading its version and cgroup", err);
	}
	/* "252.39-1~deb12u2": the upstream part */
	snprintf(what, n, "systemd %.*s", (int)strspn(ver, "0123456789."), ver);
	snprintf(cgroup, cgn, "%s", cg);
	free(ver);
	free(cg);
	return 0;
}

/* The job StartTransientUnit queued, until JobRemoved says how it ended */
struct job {
	const char *path;
	char result[32];
	bool done;
};

static int
job_removed(sd_bus_message *m, void *data, sd_bus_error *unused)
{
	struct job *j = data;
	const char *path, *unit, *result;
	uint32_t id;

	if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0 || !j->path ||
	    strcmp(path, j->path) != 0)
		return 0;
	snprintf(j->result, sizeof(j->result), "%s", result);
	j->done = true;
	return 0;
}

static int
job_wait(sd_bus *bus, struct job *j, const char *unit, struct nsx_err *err)
{
	uint64_t end = clock_us() + SCOPE_USEC, t;
	int r;

	while (!j->done) {
		/* -2 from here on: the job was queued and may yet run */
		if ((r = sd_bus_process(bus, NULL)) < 0)
			return nsx_error(err, -r, "systemd's user manager: waiting for %s: %s", unit,
					 strerror(-r)) - 1;
		if (r > 0)
			continue;
		if ((t = clock_us()) >= end) {
			nsx_error(err, ETIMEDOUT, "systemd's user manager did not start %s within "
				  "%llu s", unit, SCOPE_USEC / 1000000);
			return -2;
		}
		if ((r = sd_bus_wait(bus, end - t)) < 0)
			return nsx_error(err, -r, "systemd's user manager: waiting for %s: %s", unit,
					 strerror(-r)) - 1;
	}
	if (strcmp(j->result, "done") != 0)	/* nothing moved */
		return nsx_error(err, EIO, "systemd's user manager could not start %s (job result: "
				 "%s; journalctl --user -u %s says why)", unit, j->result, unit);
	return 0;
}

/* StartTransientUnit(UNIT, "fail", properties, no aux units): the job */
static int
start_scope(sd_bus *bus, const char *unit, struct job *j, struct nsx_err *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	char desc[96];
	const char *path;
	int r;

	snprintf(desc, sizeof(desc), "nsx: the cgroups of its containers");
	if ((r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER,
						 "StartTransientUnit")) < 0 ||
	    (r = sd_bus_message_append(m, "ss", unit, "fail")) < 0 ||
	    (r = sd_bus_message_open_container(m, 'a', "(sv)")) < 0 ||
	    (r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)", "Description", "s", desc,
				       "PIDs", "au", 1, (uint32_t)0, "Delegate", "b", 1,
				       "CollectMode", "s", "inactive-or-failed")) < 0 ||
	    (r = sd_bus_message_close_container(m)) < 0 ||
	    (r = sd_bus_message_append(m, "a(sa(sv))", 0)) < 0) {
		sd_bus_message_unref(m);
		return nsx_error(err, -r, "a D-Bus message for systemd: %s", strerror(-r));
	}
	r = sd_bus_call(bus, m, SCOPE_USEC, &e, &reply);
	sd_bus_message_unref(m);
	if (r < 0)	/* no answer in time: it may yet do it */
		return bus_fail(&e, r, "starting a scope for nsx", err) - (r == -ETIMEDOUT);
	r = sd_bus_message_read(reply, "o", &path);
	if (r >= 0)
		j->path = strdup(path);
	sd_bus_message_unref(reply);
	if (r < 0 || !j->path)
		return nsx_error(err, r < 0 ? -r : ENOMEM, "systemd's user manager: no job in its reply");
	return 0;
}

int
scope_enter(struct nsx_err *err)
{
	struct job j = { 0 };
	sd_bus_slot *slot = NULL;
	sd_bus *bus;
	char unit[48];
	bool direct;
	int r, rc = -1;

	if (bus_open(&bus, &direct, err) < 0)
		return -1;
	snprintf(unit, sizeof(unit), "nsx-%d.scope", (int)getpid());
	/* before the call: the job may end before its reply is read */
	if ((r = sd_bus_match_signal(bus, &slot, direct ? NULL : SD_DEST, SD_PATH, SD_MANAGER,
				     "JobRemoved", job_removed, &j)) < 0)
		nsx_error(err, -r, "systemd's user manager: watching its jobs: %s", strerror(-r));
	else if ((rc = start_scope(bus, unit, &j, err)) == 0)
		rc = job_wait(bus, &j, unit, err);
	sd_bus_slot_unref(slot);
	sd_bus_flush_close_unref(bus);
	free((char *)j.path);
	return rc;
}
