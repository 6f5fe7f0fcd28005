/* The viewer's content of a namespace (src/view/content.c): labels from
 * cgroup paths as a pure function, then labels, glances and detail lines
 * on the fixture tree tests/fixtures/proc-view (see its README), the
 * cache, and a little of the live path when root. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "fixture.h"
#include "model/model.h"
#include "view/content.h"

#define DOCKER "4f9a1c2b3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8"
#define INNER "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* ---- the pure mapping ---- */

static void
cgroup_labels(void)
{
	static const struct { const char *path, *want; } cases[] = {
		/* docker */
		{ "/system.slice/docker-" DOCKER ".scope", "docker:4f9a1c2b3d4e" },
		{ "/docker/" DOCKER, "docker:4f9a1c2b3d4e" },
		{ "/docker/" DOCKER "/docker/" INNER, "docker:0123456789ab" },
		{ "/system.slice/docker.service", "docker.service" },
		{ "/system.slice/docker-abc.scope", "docker-abc.scope" },
		{ "/docker/not-an-id", "" },
		/* podman */
		{ "/machine.slice/libpod-" INNER ".scope", "podman:0123456789ab" },
		{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" INNER
		  ".scope/container", "podman:0123456789ab" },
		{ "/libpod_parent/libpod-" INNER, "podman:0123456789ab" },
		{ "/machine.slice/libpod-conmon-" INNER ".scope", "libpod-conmon-" INNER ".scope" },
		/* kubernetes */
		{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c3d4e_5f60_7182_"
		  "93a4_b5c6d7e8f901.slice/cri-containerd-" INNER ".scope", "containerd:0123456789ab" },
		{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1b2c3d4e_5f60_7182_"
		  "93a4_b5c6d7e8f901.slice", "kubepods:1b2c3d4e-5f6" },
		{ "/kubepods.slice/kubepods-pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f901.slice/crio-"
		  INNER ".scope", "crio:0123456789ab" },
		{ "/kubepods.slice/kubepods-pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f901.slice/crio-conmon-"
		  INNER ".scope", "kubepods:1b2c3d4e-5f6" },
		{ "/kubepods/burstable/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/" INNER,
		  "kubepods:0f1e2d3c-4b5" },
		{ "/kubepods/besteffort/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "kubepods:0f1e2d3c-4b5" },
		{ "/kubepods.slice/kubepods-burstable.slice", "" },
		{ "/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "" },
		/* lxc */
		{ "/lxc/web", "lxc:web" },
		{ "/lxc/web/ns", "lxc:web" },
		{ "/lxc.payload/web", "lxc:web" },
		{ "/lxc.payload.web", "lxc:web" },
		{ "/lxc.payload.web/init.scope", "lxc:web" },
		{ "/lxc.monitor.web", "" },
		/* systemd-nspawn, machined */
		{ "/machine.slice/systemd-nspawn@deb\\x2dbox.service/payload", "nspawn:deb-box" },
		{ "/machine.slice/systemd-nspawn@web.service", "nspawn:web" },
		{ "/machine.slice/machine-qemu\\x2d1\\x2dvm.scope", "nspawn:qemu-1-vm" },
		/* nsx */
		{ "/nsx/nsx-box", "nsx:box" },
		{ "/user.slice/user-1000.slice/session-2.scope/nsx-web.1", "nsx:web.1" },
		{ "/user.slice/nsx.leaf", "" },
		/* systemd units */
		{ "/system.slice/cron.service", "cron.service" },
		{ "/system.slice/foo.service/sub", "foo.service" },
		{ "/system.slice/foo.service (deleted)", "foo.service" },
		{ "/user.slice/user-1000.slice/session-3.scope", "session-3.scope" },
		{ "/user.slice/user-1000.slice/user@1000.service/app.slice/dbus.service", "dbus.service" },
		{ "/user.slice/user-1000.slice/user@1000.service/init.scope", "user@1000" },
		{ "/user.slice/user-1000.slice/user@1000.service", "user@1000" },
		{ "/init.scope", "" },
		{ "/system.slice", "" },
		{ "/user.slice/user-1000.slice", "" },
		{ "/", "" },
		{ "", "" },
		{ "//system.slice//cron.service/", "cron.service" },
	};
	char buf[128];

	printf("# cgroup paths to labels\n");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = content_label_from_cgroup(cases[i].path, buf, sizeof(buf));

		is_str(buf, cases[i].want, "cgroup '%s'", cases[i].path);
		is_int(r, cases[i].want[0] != '\0', "... returns %d", cases[i].want[0] != '\0');
	}
	is_int(content_label_from_cgroup("/docker/" DOCKER, buf, 8), 1, "a short buffer still finds it");
	is_str(buf, "docker:", "... cut to fit");
	is_int(content_label_from_cgroup(NULL, buf, sizeof(buf)), 0, "NULL path: none");
	is_str(buf, "", "... and an empty label");
}

/* ---- the fixture ---- */


static int
scan(struct nsx_model *m, const char *root, unsigned want)
{
	struct nsx_err err = { 0 };

	if (model_open(m, root, &err) < 0) {
		printf("# model_open %s: %s\n", root ? root : "/proc", err.msg);
		return -1;
	}
	if (model_scan(m, NSX_ALLTYPES, want, &err) < 0) {
		printf("# model_scan: %s\n", err.msg);
		model_close(m);
		return -1;
	}
	return 0;
}

static const struct nsx_ns *
find(const struct nsx_model *m, unsigned long ino)
{
	const struct nsx_ns *ns = model_ns(m, ino);

	if (!ns)
		printf("# namespace %lu not in the model\n", ino);
	return ns;
}

static void
label_is(const struct nsx_model *m, unsigned long ino, const char *want)
{
	const struct nsx_ns *ns = find(m, ino);
	char buf[128] = "unset";

	if (ns)
		content_label(m, ns, buf, sizeof(buf));
	is_str(buf, want, "label of %lu", ino);
}

static void
glance_is(const struct nsx_model *m, unsigned long ino, const char *want)
{
	const struct nsx_ns *ns = find(m, ino);
	char buf[512] = "unset";

	if (ns)
		content_glance(m, ns, buf, sizeof(buf));
	is_str(buf, want, "glance of %s:%lu", ns ? nstype_table[ns->type].name : "?", ino);
}

/* Runs of blanks as one: detail lines are padded into columns. */
static void
squeeze(const char *s, char *out, size_t n)
{
	size_t j = 0;

	for (; *s && j + 1 < n; s++)
		if (*s != ' ' || (j && out[j - 1] != ' '))
			out[j++] = *s;
	while (j && out[j - 1] == ' ')
		j--;
	out[j] = '\0';
}

/* Is want (blanks squeezed) one of the detail lines of ino? */
static void
detail_has(const struct nsx_model *m, unsigned long ino, const char *want)
{
	const struct nsx_ns *ns = find(m, ino);
	char **lines = NULL, line[512];
	size_t n = 0;
	int found = 0;

	if (ns)
		content_detail(m, ns, &lines, &n);
	for (size_t i = 0; i < n; i++) {
		squeeze(lines[i], line, sizeof(line));
		found |= strcmp(line, want) == 0;
	}
	if (!ok(found, "detail of %lu has '%s'", ino, want))
		for (size_t i = 0; i < n; i++)
			printf("#   | %s\n", lines[i]);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

static void
view_labels(const struct nsx_model *m)
{
	static const struct { unsigned long ino; const char *want; } cases[] = {
		{ 4026531838ul, "" },				/* init uts: /init.scope */
		{ 4026531840ul, "" },
		{ 4026535001ul, "docker:4f9a1c2b3d4e" },	/* 200's mnt */
		{ 4026535005ul, "docker:4f9a1c2b3d4e" },	/* 200's net */
		{ 4026535101ul, "podman:9b8c7d6e5f4a" },	/* 300's user */
		{ 4026535106ul, "podman:9b8c7d6e5f4a" },
		{ 4026535201ul, "containerd:0a1b2c3d4e5f" },
		{ 4026535211ul, "kubepods:0f1e2d3c-4b5" },	/* v1 lines only */
		{ 4026535301ul, "lxc:web" },			/* hybrid v1 + v2 */
		{ 4026535302ul, "lxc:web" },
		{ 4026535401ul, "nginx.service" },
		{ 4026535501ul, "user@1000" },
		{ 4026535502ul, "user@1000" },
		{ 4026535601ul, "nspawn:deb-box" },
		{ 4026535602ul, "nspawn:deb-box" },
		{ 4026535701ul, "netns:blue" },			/* beats session-3.scope */
		{ 4026535702ul, "netns:red" },			/* no process at all */
		{ 4026535801ul, "" },				/* time_for_children only */
		{ 4026535901ul, "nsx:box" },
	};

	printf("# proc-view: labels\n");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		label_is(m, cases[i].ino, cases[i].want);
}

static void
view_glances(const struct nsx_model *m)
{
	static const struct { unsigned long ino; const char *want; } cases[] = {
		{ 4026531838ul, "" },			/* uts: only on the live system */
		{ 4026531840ul, "lo eth0" },
		{ 4026531841ul, "ext4 /dev/vda1" },
		{ 4026531834ul, "no offsets" },
		{ 4026531837ul, "0->0 (all)" },
		{ 4026531836ul, "/sbin/init" },
		{ 4026531835ul, "/" },			/* the initial cgroup ns */
		{ 4026531839ul, "" },
		{ 4026535001ul, "overlay overlay" },
		{ 4026535004ul, "nginx -g daemon off;" },
		{ 4026535005ul, "lo eth0" },
		{ 4026535006ul, "/system.slice/docker-" DOCKER ".scope" },
		{ 4026535101ul, "0->1000 (1), 1->100000 (65536)" },
		{ 4026535105ul, "/bin/sh" },
		{ 4026535302ul, "boot +86400s" },
		{ 4026535401ul, "lo" },
		{ 4026535502ul, "ext4 /dev/vda1" },
		{ 4026535501ul, "0->1000 (1)" },
		{ 4026535602ul, "/lib/systemd/systemd" },
		{ 4026535701ul, "lo veth-b" },
		{ 4026535702ul, "" },			/* a mount holds it: no /proc/PID/net */
		{ 4026535801ul, "mono -3600s boot +1.5s" },
	};

	printf("# proc-view: glances\n");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		glance_is(m, cases[i].ino, cases[i].want);
}

static void
view_details(const struct nsx_model *m)
{
	static const struct { unsigned long ino; const char *want; } cases[] = {
		/* net, from /proc/PID/net: v4 placed by net/route, v6 from if_inet6 */
		{ 4026531840ul, "lo 127.0.0.1/8 ::1/128" },
		{ 4026531840ul, "eth0 192.0.2.2/24 fd00::2/64 fe80::fc:ff:fe00:1/64" },
		{ 4026535005ul, "eth0 172.17.0.2/16 fe80::42:acff:fe11:2/64" },
		{ 4026535401ul, "lo 127.0.0.1/8 ::1/128" },
		{ 4026535701ul, "veth-b" },
		{ 4026535702ul, "interfaces: not readable (read only on the live /proc)" },
		/* mnt: unescaped, with findmnt's propagation words */
		{ 4026531841ul, "mounts: 6" },
		{ 4026531841ul, "/ ext4 /dev/vda1 shared" },
		{ 4026531841ul, "/mnt/my disk ext4 /dev/vdb1 shared" },
		{ 4026531841ul, "/run/netns/blue nsfs nsfs shared" },
		{ 4026535001ul, "/ overlay overlay private,slave" },
		{ 4026535001ul, "/data dir ext4 /dev/vda1 private" },
		{ 4026535502ul, "/tmp tmpfs none private,unbindable" },
		{ 4026535502ul, "/mnt/tab\tand\\slash tmpfs my src shared,slave" },
		/* user */
		{ 4026535501ul, "uid map: 0->1000 (1)" },
		{ 4026535501ul, "gid map: 0->1000 (1)" },
		{ 4026535501ul, "setgroups: deny" },
		{ 4026535501ul, "capabilities of 700: 000001ffffffffff" },
		{ 4026535101ul, "gid map: 0->1000 (1), 1->100000 (65536)" },
		{ 4026535101ul, "setgroups: allow" },
		{ 4026535101ul, "capabilities of 300: 00000000800405fb" },
		{ 4026535101ul, "cap_chown cap_dac_override cap_fowner cap_fsetid cap_kill" },
		{ 4026535101ul, "cap_setgid cap_setuid cap_setpcap cap_net_bind_service" },
		{ 4026535101ul, "cap_sys_chroot cap_setfcap" },
		/* pid: 201 is PID 7 in it, 200 is its PID 1 */
		{ 4026535004ul, "PID 1: 200 (nginx -g daemon off;)" },
		{ 4026535004ul, "processes: 2" },
		{ 4026531836ul, "PID 1: 1 (/sbin/init)" },
		/* time */
		{ 4026535302ul, "monotonic offset: +0s" },
		{ 4026535302ul, "boottime offset: +86400s" },
		{ 4026535801ul, "monotonic offset: -3600s" },
		{ 4026535801ul, "boottime offset: +1.5s" },
		/* cgroup, uts, ipc */
		{ 4026535006ul, "root: /system.slice/docker-" DOCKER ".scope (the cgroup of 200)" },
		{ 4026531835ul, "root: /" },
		{ 4026535002ul, "hostname: not readable (read only on the live /proc)" },
		{ 4026535003ul, "System V IPC objects and POSIX message queues: seen only from inside" },
	};

	printf("# proc-view: details\n");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		detail_has(m, cases[i].ino, cases[i].want);
}

/* content_detail appends to what the caller has. */
static void
view_detail_appends(const struct nsx_model *m)
{
	const struct nsx_ns *ns = find(m, 4026535302ul);
	char **lines = malloc(sizeof(*lines));
	size_t n = 1;

	lines[0] = strdup("mine");
	if (ns)
		content_detail(m, ns, &lines, &n);
	is_int(n, 3, "detail appended two lines after the caller's one");
	is_str(lines[0], "mine", "... the caller's line kept");
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

static void
view_fixture(void)
{
	char *root = fixture("proc-view");
	struct nsx_model m;

	content_forget();
	if (scan(&m, root, SCAN_MOUNTS | SCAN_CHILDREN) < 0) {
		ok(0, "scan proc-view");
		free(root);
		return;
	}
	is_int(m.nprocs, 13, "proc-view: thirteen processes");
	view_labels(&m);
	view_glances(&m);
	view_details(&m);
	view_detail_appends(&m);
	/* the cache answers a second time (and a new model of the same tree) */
	label_is(&m, 4026535001ul, "docker:4f9a1c2b3d4e");
	glance_is(&m, 4026535302ul, "boot +86400s");
	model_close(&m);
	free(root);
}

/* ---- the cache, on a scratch tree whose files change under it ---- */

static int
write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	int fd;
	ssize_t w;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	w = write(fd, text, strlen(text));
	close(fd);
	return w == (ssize_t)strlen(text) ? 0 : -1;
}

static void
cache_scratch(void)
{
	char dir[] = "/tmp/nsx-content-XXXXXX", path[600];
	struct nsx_model m;
	const struct nsx_ns *ns;
	char buf[128];

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/5", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/5/ns", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/5/ns/uts", dir);
	if (symlink("uts:[4026539999]", path) < 0 ||
	    write_file(dir, "5/cgroup", "0::/system.slice/one.service\n") < 0 ||
	    scan(&m, dir, 0) < 0) {
		ok(0, "scratch tree in %s", dir);
		goto out;
	}
	ns = find(&m, 4026539999ul);
	if (ns) {
		content_label(&m, ns, buf, sizeof(buf));
		is_str(buf, "one.service", "cache: first read");
		write_file(dir, "5/cgroup", "0::/system.slice/two.service\n");
		content_label(&m, ns, buf, sizeof(buf));
		is_str(buf, "one.service", "cache: within CONTENT_TTL_MS nothing is read again");
		content_forget();
		content_label(&m, ns, buf, sizeof(buf));
		is_str(buf, "two.service", "cache: content_forget drops it, read again");
		/* another proc root with the same inodes: not the same namespaces */
		write_file(dir, "5/cgroup", "0::/system.slice/three.service\n");
		{
			char *view = fixture("proc-view");
			struct nsx_model v;

			if (scan(&v, view, 0) == 0) {
				label_is(&v, 4026531838ul, "");
				model_close(&v);
			}
			free(view);
		}
		content_label(&m, ns, buf, sizeof(buf));
		is_str(buf, "three.service", "cache: a model of another proc root is read afresh");
	}
	model_close(&m);
	content_forget();
out:
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		printf("# could not remove %s\n", dir);
}

/* ---- the live system ---- */

static unsigned long
self_ino(const char *type)
{
	char path[64], buf[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/thread-self/ns/%s", type);
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n < 0)
		return 0;
	buf[n] = '\0';
	return strtoul(strchr(buf, '[') ? strchr(buf, '[') + 1 : buf, NULL, 10);
}

static double
elapsed_ms(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) * 1e3 + (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

static void
live_own(const struct nsx_model *m)
{
	char host[256] = "", buf[512];
	const struct nsx_ns *uts = model_ns(m, self_ino("uts")), *net = model_ns(m, self_ino("net"));

	gethostname(host, sizeof(host));
	if (ok(uts != NULL, "live: our uts namespace is in the model")) {
		content_glance(m, uts, buf, sizeof(buf));
		is_str(buf, host, "live: our uts glance is gethostname()");
	}
	if (ok(net != NULL, "live: our net namespace is in the model")) {
		content_glance(m, net, buf, sizeof(buf));
		ok(strcmp(buf, "lo") == 0 || strncmp(buf, "lo ", 3) == 0 || strstr(buf, " lo"),
		   "live: our net glance has lo: '%s'", buf);
	}
}

/* Every label and glance twice: the second pass is the cache's. */
static void
live_refresh_cost(const struct nsx_model *m)
{
	struct timespec t;
	double first, second;
	char buf[512];

	clock_gettime(CLOCK_MONOTONIC, &t);
	for (size_t i = 0; i < m->nns; i++) {
		content_label(m, m->nsv[i], buf, sizeof(buf));
		content_glance(m, m->nsv[i], buf, sizeof(buf));
	}
	first = elapsed_ms(&t);
	clock_gettime(CLOCK_MONOTONIC, &t);
	for (size_t i = 0; i < m->nns; i++) {
		content_label(m, m->nsv[i], buf, sizeof(buf));
		content_glance(m, m->nsv[i], buf, sizeof(buf));
	}
	second = elapsed_ms(&t);
	printf("# %zu namespaces, %zu processes: first pass %.2f ms, cached pass %.3f ms\n",
	       m->nns, m->nprocs, first, second);
	ok(second < 50, "live: a cached pass over every namespace is cheap (%.3f ms)", second);
}

/* An nsx container's record for the child (NSX_STATE_DIR, locked as a
 * live run keeps it): its uts and net namespaces are labelled with its
 * name, the ipc namespace it shares with us is not. */
static void
live_nsx_label(const struct nsx_model *m, pid_t pid, const unsigned long ino[NSX_NTYPES])
{
	char dir[] = "/tmp/nsx-content-state-XXXXXX", path[128], text[256], buf[128];
	const struct nsx_ns *ipc = model_ns(m, ino[NSX_IPC]);
	int fd;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/box-t", dir);
	snprintf(text, sizeof(text), "name=box-t\nnsx_pid=%d\npid=%d\nns=uts,net\ncreated=1\n",
		 (int)getpid(), (int)pid);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || flock(fd, LOCK_EX) < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		ok(0, "write the record %s", path);
	} else {
		setenv("NSX_STATE_DIR", dir, 1);
		content_forget();
		label_is(m, ino[NSX_UTS], "nsx:box-t");
		label_is(m, ino[NSX_NET], "nsx:box-t");
		if (ipc)
			content_label(m, ipc, buf, sizeof(buf));
		ok(ipc && strcmp(buf, "nsx:box-t") != 0, "a namespace the container shares is not its");
		unsetenv("NSX_STATE_DIR");
		content_forget();
	}
	if (fd >= 0)
		close(fd);
	unlink(path);
	rmdir(dir);
}

/* A child in new uts and net namespaces: entered through setns in a
 * helper thread; nsx's own namespaces never change. */
static void
live_other(void)
{
	unsigned long uts0 = self_ino("uts"), net0 = self_ino("net"), ino[NSX_NTYPES];
	struct nsx_model m;
	struct nsx_err err;
	int p[2];
	char c = 0;
	pid_t pid;

	if (pipe(p) < 0 || (pid = fork()) < 0) {
		ok(0, "pipe/fork");
		return;
	}
	if (pid == 0) {
		close(p[0]);
		c = unshare(CLONE_NEWUTS | CLONE_NEWNET) == 0 &&
		    sethostname("nsx-content-t", 13) == 0 ? 'y' : 'n';
		if (write(p[1], &c, 1) < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1 || c != 'y') {
		skip("cannot unshare uts and net");
		goto out;
	}
	if (scan(&m, NULL, 0) < 0 || proc_ns_inodes(m.procfd, pid, ino, &err) < 0) {
		ok(0, "live scan");
		goto out;
	}
	glance_is(&m, ino[NSX_UTS], "nsx-content-t");
	detail_has(&m, ino[NSX_UTS], "hostname: nsx-content-t");
	glance_is(&m, ino[NSX_NET], "lo");
	detail_has(&m, ino[NSX_NET], "lo down");
	live_nsx_label(&m, pid, ino);
	is_int(self_ino("uts"), uts0, "live: still in our uts namespace");
	is_int(self_ino("net"), net0, "live: still in our net namespace");
	model_close(&m);
out:
	close(p[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void
live(void)
{
	struct nsx_model m;

	content_forget();
	if (scan(&m, NULL, SCAN_MOUNTS) < 0) {
		ok(0, "scan the live /proc");
		return;
	}
	if (!m.real_proc) {
		skip("/proc is not the live proc");
		model_close(&m);
		return;
	}
	if (geteuid() != 0) {
		skip("live content needs root (setns, every process's /proc)");
		model_close(&m);
		return;
	}
	live_own(&m);
	live_refresh_cost(&m);
	model_close(&m);
	content_forget();
	live_other();
}

int
main(void)
{
	cgroup_labels();
	view_fixture();
	cache_scratch();
	live();
	content_forget();
	return done_testing();
}
