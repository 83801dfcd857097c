/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Journal MESSAGE_IDs of teardownd, made once with `systemd-id128 new` and
 * never changed: units/teardownd.catalog documents the same ids, teardownctl
 * and the tests match on them. Fields: see docs/interfaces.md (Journal).
 */
#pragma once

/* One entry per finished teardown: TEARDOWN_PID, _COMM, _CGROUP, _UNIT,
 * _MODE, _TRIGGER (exit|oom|kill), _BYTES, _DURATION_USEC, _WORKERS, _CPU_USEC. */
#define TEARDOWND_MESSAGE_TEARDOWN_STR "e3795244e6a04da8a8473d9868e8e6e0"
/* An OOM kill seen in a managed cgroup (memory.events oom_kill moved):
 * TEARDOWN_CGROUP, TEARDOWN_UNIT, TEARDOWN_OOM_KILLS, TEARDOWN_PID (victim, if found). */
#define TEARDOWND_MESSAGE_OOM_STR "bbe72c3747884568be893ed6b9b9b71f"
/* A parked mm timed out in the kernel (memory.events teardown_timeout moved)
 * or a teardown job failed: TEARDOWN_CGROUP, TEARDOWN_PID, TEARDOWN_REASON. */
#define TEARDOWND_MESSAGE_TIMEOUT_STR "4e5c1b8f5e434cc8b95089f42eef769a"
/* teardownd could not use the pidfd reaper and fell back (process_mrelease,
 * or the kernel's own teardown): TEARDOWN_PID, TEARDOWN_BACKEND, TEARDOWN_REASON. */
#define TEARDOWND_MESSAGE_FALLBACK_STR "010ce26b8d474bb9a54bec25b02ee6e8"
