/* tools.c - finding the open-source hardware tools, asking their versions
 * (part of every cache key) and running them with a log file and a time
 * limit, through bs_spawn (no shell). */
#include "be_int.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "brainsmith/error.h"
#include "brainsmith/hash.h"
#include "brainsmith/log.h"
#include "brainsmith/proc.h"
#include "brainsmith/util.h"

static const struct {
    const char *name, *deb, *arg;
} tools[] = {
    {"verilator", "verilator", "--version"},
    {"yosys", "yosys", "-V"},
    {"nextpnr-ice40", "nextpnr-ice40", "--version"},
    {"icepack", "fpga-icestorm", NULL},
    {"icetime", "fpga-icestorm", NULL},
    {"iverilog", "iverilog", "-V"},
    {"make", "make", "--version"},
    {"g++", "g++", "--version"},
};

int bs_tool_probe(const char *name, bs_tool_info *info)
{
    memset(info, 0, sizeof *info);
    snprintf(info->name, sizeof info->name, "%s", name);
    const char *arg = NULL;
    size_t i;
    for (i = 0; i < sizeof tools / sizeof tools[0]; i++)
        if (!strcmp(tools[i].name, name)) break;
    if (i == sizeof tools / sizeof tools[0])
        return bs_error_set(BS_EINVAL, "tool '%s': unknown to brainsmith", name);
    info->deb = tools[i].deb;
    arg = tools[i].arg;
    char *p = bs_which(name);
    if (!p)
        return bs_error_set(BS_ENOTFOUND, "%s: not found in PATH; install the Debian package '%s'",
                            name, info->deb);
    snprintf(info->path, sizeof info->path, "%s", p);
    free(p);
    info->found = true;
    if (!arg) {
        /* icestorm tools have no version flag: the package version is the
         * cache-relevant identity; use the binary's content hash instead. */
        char hex[65];
        if (bs_sha256_file_hex(info->path, hex) == 0) snprintf(info->version, sizeof info->version, "sha256:%.16s", hex);
        return 0;
    }
    const char *argv[] = {info->path, arg, NULL};
    char *out = NULL;
    size_t len = 0;
    bs_exit ex;
    if (bs_run_capture(argv, NULL, true, 20000, &out, &len, &ex) == 0 && out) {
        char *nl = strchr(out, '\n');
        if (nl) *nl = 0;
        snprintf(info->version, sizeof info->version, "%s", out);
    }
    free(out);
    return 0;
}

int bs_tool_probe_all(bs_tool_info *infos, size_t cap, size_t *n)
{
    int missing = 0;
    *n = 0;
    for (size_t i = 0; i < sizeof tools / sizeof tools[0] && *n < cap; i++) {
        if (bs_tool_probe(tools[i].name, &infos[*n]) < 0) missing++;
        (*n)++;
    }
    bs_error_clear();
    return missing;
}

int be_require(const char *name, bs_tool_info *info)
{
    bs_tool_info tmp;
    return bs_tool_probe(name, info ? info : &tmp);
}

int be_run(const char *const *argv, const char *cwd, const char *log, int64_t timeout_ms, double *secs)
{
    bs_spawn_opts o = {0};
    o.argv = argv;
    o.cwd = cwd;
    o.stdout_path = log;
    o.stderr_path = log;
    o.append = true;
    o.new_pgroup = true;
    int64_t t0 = bs_now_mono_ms();
    pid_t pid;
    int rc = bs_spawn(&o, &pid);
    if (rc < 0) return rc;
    int st = 0;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid) break;
        if (w < 0 && errno != EINTR) return bs_error_set(BS_EIO, "%s: waitpid: %s", argv[0], strerror(errno));
        if (timeout_ms > 0 && bs_now_mono_ms() - t0 > timeout_ms) {
            kill(-pid, SIGKILL);
            waitpid(pid, &st, 0);
            return bs_error_set(BS_ETIMEOUT, "%s: killed after %lld ms (log: %s)", argv[0],
                                (long long)timeout_ms, log ? log : "-");
        }
        bs_sleep_ms(20);
    }
    if (secs) *secs = (double)(bs_now_mono_ms() - t0) / 1000.0;
    bs_exit ex;
    bs_exit_decode(st, &ex);
    if (!ex.exited || ex.code != 0)
        return bs_error_set(BS_ETOOL, "%s failed (%s %d); see %s", argv[0], ex.exited ? "exit" : "signal",
                            ex.exited ? ex.code : ex.signal, log ? log : "its output");
    return 0;
}
