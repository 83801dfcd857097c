/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Layout of the UAPI mirror: must match the kernel patch's struct exactly. */
#include <check.h>
#include <stddef.h>

#include "uapi/pidfd_reap.h"
#include "teardownd/reap.h"
#include "tap.h"

START_TEST(test_layout) {
	ck_assert_uint_eq(sizeof(struct pidfd_reap_args), 64);
	ck_assert_uint_eq(offsetof(struct pidfd_reap_args, flags), 0);
	ck_assert_uint_eq(offsetof(struct pidfd_reap_args, start), 8);
	ck_assert_uint_eq(offsetof(struct pidfd_reap_args, end), 16);
	ck_assert_uint_eq(offsetof(struct pidfd_reap_args, chunk), 24);
	ck_assert_uint_eq(offsetof(struct pidfd_reap_args, reaped), 32);
	ck_assert_uint_eq(offsetof(struct pidfd_reap_args, next), 40);
	ck_assert_uint_eq(offsetof(struct pidfd_reap_args, rss_left), 48);
	ck_assert_uint_eq(offsetof(struct pidfd_reap_args, state), 56);
	ck_assert_uint_eq(offsetof(struct pidfd_reap_args, info), 60);
	ck_assert_uint_eq(PIDFD_REAP_INFO_OOM_VICTIM, 1);
	ck_assert_uint_eq(PIDFD_REAP_INFO_SHARED, 2);
}
END_TEST

START_TEST(test_ioctl_numbers) {
	ck_assert_uint_eq(PIDFD_REAP_WATCH, _IO(0xFF, 0x40));
	ck_assert_uint_eq(PIDFD_REAP_UNWATCH, _IO(0xFF, 0x41));
	ck_assert_uint_eq(_IOC_SIZE(PIDFD_REAP), 64);
	ck_assert_uint_eq(_IOC_DIR(PIDFD_REAP), _IOC_READ | _IOC_WRITE);
	ck_assert_uint_eq(_IOC_NR(PIDFD_REAP), 0x42);
	/* upstream 6.13 took nr 11 for PIDFD_GET_INFO */
	ck_assert_uint_ne(_IOC_NR(PIDFD_REAP_WATCH), 11);
	ck_assert_uint_eq(PIDFD_REAP_FLAGS_ALL, 7);
	ck_assert_uint_eq(PIDFD_REAP_CHUNK_DEFAULT, 32ULL << 20);
}
END_TEST

START_TEST(test_names) {
	ck_assert_str_eq(reap_state_to_string(PIDFD_REAP_STATE_PARKED), "parked");
	ck_assert_str_eq(reap_state_to_string(PIDFD_REAP_STATE_GONE), "gone");
	ck_assert_ptr_null(reap_state_to_string(5));
	ck_assert_str_eq(reap_backend_to_string(REAP_BACKEND_PIDFD_REAP), "pidfd-reap");
	ck_assert_str_eq(reap_backend_to_string(REAP_BACKEND_MRELEASE), "process_mrelease");
	ck_assert_ptr_null(reap_backend_to_string(0));
	ck_assert_ptr_null(reap_backend_to_string(3));
}
END_TEST

DEFINE_TEST_MAIN("uapi", test_layout, test_ioctl_numbers, test_names);
