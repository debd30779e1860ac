/* recover.c - taking over from a previous scheduler.
 *
 * Every task left `running` has an attempt row; what happened to it is
 * read from its supervisor's control file (see shim.c):
 *   exit record present -> it finished meanwhile: record that exit;
 *   lock held           -> the supervisor lives: re-adopt the attempt;
 *   neither             -> it never started or its supervisor died: stop
 *                          any orphaned task process, end the attempt
 *                          `lost` (not charged) so the task runs again. */
#include "sched_int.h"

#include "brainsmith/error.h"
#include "brainsmith/log.h"
#include "brainsmith/proc.h"
#include "brainsmith/util.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

int sched_recover(bs_sched *s)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(s->ws->db,
        "SELECT t.id, t.attempts, t.cpus, t.mem_mb, t.licenses, t.timeout_ms, a.started_ms,"
        " a.kill_reason, a.kill_ms, a.cpu_s, a.peak_rss_kb, a.reason"
        " FROM tasks t JOIN attempts a ON a.task_id=t.id AND a.n=t.attempts WHERE t.state='running'", &st);
    if (rc)
        return rc;
    int64_t mono = bs_now_mono_ms(), now = bs_now_ms();
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        run_att *a = sched_add_run(s);
        if (!a) {
            rc = bs_error_set(BS_ENOMEM, "recovery: out of memory");
            break;
        }
        a->task_id = sqlite3_column_int64(st, 0);
        a->n = sqlite3_column_int(st, 1);
        a->cpus = sqlite3_column_int(st, 2);
        a->mem_mb = sqlite3_column_int64(st, 3);
        const char *lic = (const char *)sqlite3_column_text(st, 4);
        if (lic)
            bs_license_parse(lic, a->lic, &a->nlic);
        a->timeout_ms = sqlite3_column_int64(st, 5);
        a->started_ms = sqlite3_column_int64(st, 6);
        const char *kr = (const char *)sqlite3_column_text(st, 7);
        if (kr) {
            a->kill_reason = !strcmp(kr, "oom") ? "oom" : !strcmp(kr, "timeout") ? "timeout" : "cancelled";
            a->kill_persisted = true;
            a->term_mono = mono - (now - sqlite3_column_int64(st, 8));
            if (a->term_mono <= 0)
                a->term_mono = 1;
        }
        a->cpu_s = sqlite3_column_double(st, 9);
        a->peak_kb = sqlite3_column_int64(st, 10);
        const char *why = (const char *)sqlite3_column_text(st, 11);
        if (why)
            snprintf(a->reason, sizeof a->reason, "%s", why);
        a->base = orch_attempt_base(s->ws, a->task_id, a->n);
        sched_account(s, a, +1);
        if (!a->base) {
            rc = bs_error_set(BS_ENOMEM, "recovery: out of memory");
            break;
        }
        /* Finished while we were away? */
        if (orch_exit_read(a->base, &a->rec) == 0) {
            a->done = a->have_rec = true;
            BS_INFO("task %lld attempt %d finished while no scheduler ran; recording its exit",
                    (long long)a->task_id, a->n);
            continue;
        }
        bool exists;
        bool held = orch_shim_lock_held(a->base, &exists);
        pid_t shim = 0, task = 0;
        int64_t sticks, tticks;
        if (held) {
            /* Adopt: the supervisor lives.  Its pid file may lag its lock
             * by a moment right after a fork. */
            for (int i = 0; i < 200; i++) {
                if (orch_pid_read(a->base, &shim, &sticks, &task, &tticks) == 0 && task > 0)
                    break;
                if (orch_exit_read(a->base, &a->rec) == 0)
                    break;
                bs_sleep_ms(10);
            }
            if (shim > 0 && bs_proc_start_ticks(shim) == sticks)
                a->pidfd = sched_pidfd_open(shim);
            a->shim_pid = shim;
            a->task_pid = task;
            a->next_sample = mono;
            a->next_flush = mono + 2000;
            if (a->pidfd < 0) {
                /* It exited between the checks: the exit record decides. */
                a->done = true;
                a->have_rec = orch_exit_read(a->base, &a->rec) == 0;
            } else {
                BS_INFO("re-adopted task %lld attempt %d (pid %d)", (long long)a->task_id, a->n, (int)task);
            }
            continue;
        }
        if (orch_exit_read(a->base, &a->rec) == 0) {
            a->done = a->have_rec = true;
            continue;
        }
        /* No supervisor and no record: the attempt is lost.  If the task
         * itself survived its supervisor, stop it so it cannot run twice. */
        if (orch_pid_read(a->base, &shim, &sticks, &task, &tticks) == 0 && task > 0 &&
            bs_proc_start_ticks(task) == tticks) {
            BS_WARN("task %lld attempt %d: supervisor gone, killing its orphaned process group %d",
                    (long long)a->task_id, a->n, (int)task);
            kill(-task, SIGKILL);
            /* Do not go on until it is gone: its next attempt may start
             * in this very round. */
            for (int i = 0; i < 500 && bs_proc_alive(task); i++)
                bs_sleep_ms(10);
        }
        BS_INFO("task %lld attempt %d never started (%s); it gets a new attempt", (long long)a->task_id,
                a->n, exists ? "its supervisor is gone" : "the scheduler died before launching it");
        a->done = true;
        a->have_rec = false;
    }
    sqlite3_finalize(st);
    return rc;
}

