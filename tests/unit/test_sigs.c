/*
 * test_sigs.c - signal names and numbers both ways, default actions,
 * si_code names, and the masks of /proc/PID/status (lib/sigs.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sigs.h"

static void
parse_names_any_case(void **state)
{
	(void)state;
	assert_int_equal(sigs_parse("TERM"), SIGTERM);
	assert_int_equal(sigs_parse("SIGTERM"), SIGTERM);
	assert_int_equal(sigs_parse("sigterm"), SIGTERM);
	assert_int_equal(sigs_parse("usr1"), SIGUSR1);
	assert_int_equal(sigs_parse("SigChld"), SIGCHLD);
	assert_int_equal(sigs_parse("IOT"), SIGABRT);
	assert_int_equal(sigs_parse("SIGCLD"), SIGCHLD);
	assert_int_equal(sigs_parse("POLL"), SIGIO);
}

static void
parse_numbers(void **state)
{
	(void)state;
	assert_int_equal(sigs_parse("0"), 0);
	assert_int_equal(sigs_parse("9"), SIGKILL);
	assert_int_equal(sigs_parse("64"), 64);
	errno = 0;
	assert_int_equal(sigs_parse("65"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sigs_parse("-1"), -1);
	assert_int_equal(sigs_parse("9x"), -1);
	assert_int_equal(sigs_parse(" 9"), -1);
}

static void
parse_realtime(void **state)
{
	(void)state;
	assert_int_equal(sigs_parse("RTMIN"), SIGRTMIN);
	assert_int_equal(sigs_parse("rtmin+3"), SIGRTMIN + 3);
	assert_int_equal(sigs_parse("SIGRTMIN+0"), SIGRTMIN);
	assert_int_equal(sigs_parse("RTMAX"), SIGRTMAX);
	assert_int_equal(sigs_parse("SIGRTMAX-2"), SIGRTMAX - 2);
	assert_int_equal(sigs_parse("RTMIN-1"), -1);
	assert_int_equal(sigs_parse("RTMAX+1"), -1);
	assert_int_equal(sigs_parse("RTMIN+"), -1);
	assert_int_equal(sigs_parse("RTMIN+99"), -1);
}

static void
parse_rejects(void **state)
{
	(void)state;
	assert_int_equal(sigs_parse(""), -1);
	assert_int_equal(sigs_parse(NULL), -1);
	assert_int_equal(sigs_parse("SIG"), -1);
	assert_int_equal(sigs_parse("NOPE"), -1);
	assert_int_equal(sigs_parse("SIGSIGTERM"), -1);
}

static void
names_round_trip(void **state)
{
	char buf[32];
	int sig;

	(void)state;
	assert_string_equal(sigs_name(SIGINT, buf, sizeof(buf)), "SIGINT");
	assert_string_equal(sigs_name(SIGRTMIN + 2, buf, sizeof(buf)),
			    "SIGRTMIN+2");
	assert_string_equal(sigs_name(32, buf, sizeof(buf)), "SIG32");
	for (sig = 1; sig <= SIGRTMAX; sig++) {
		if (sig >= 32 && sig < SIGRTMIN)
			continue;
		assert_int_equal(sigs_parse(sigs_name(sig, buf, sizeof(buf))),
				 sig);
	}
}

static void
default_actions(void **state)
{
	(void)state;
	assert_int_equal(sigs_default(SIGTERM), SIGS_TERM);
	assert_int_equal(sigs_default(SIGSEGV), SIGS_CORE);
	assert_int_equal(sigs_default(SIGCHLD), SIGS_IGN);
	assert_int_equal(sigs_default(SIGTSTP), SIGS_STOP);
	assert_int_equal(sigs_default(SIGCONT), SIGS_CONT);
	assert_int_equal(sigs_default(SIGRTMIN), SIGS_TERM);
	assert_string_equal(sigs_action_name(SIGS_IGN), "ignore");
	assert_string_equal(sigs_action_name(SIGS_CORE), "core");
}

static void
code_names(void **state)
{
	char buf[24];

	(void)state;
	assert_string_equal(sigs_code_name(SIGUSR1, SI_USER, buf, sizeof(buf)),
			    "SI_USER");
	assert_string_equal(sigs_code_name(SIGRTMIN, SI_QUEUE, buf,
					   sizeof(buf)), "SI_QUEUE");
	assert_string_equal(sigs_code_name(SIGALRM, SI_KERNEL, buf,
					   sizeof(buf)), "SI_KERNEL");
	assert_string_equal(sigs_code_name(SIGCHLD, CLD_EXITED, buf,
					   sizeof(buf)), "CLD_EXITED");
	assert_string_equal(sigs_code_name(SIGUSR1, 77, buf, sizeof(buf)),
			    "77");
}

static void
masks(void **state)
{
	char buf[256];
	uint64_t m;

	(void)state;
	assert_int_equal(sigs_mask_parse("0000000000000000", &m), 0);
	assert_string_equal(sigs_mask_names(m, buf, sizeof(buf)), "-");
	assert_int_equal(sigs_mask_parse("0000000800004202", &m), 0);
	assert_string_equal(sigs_mask_names(m, buf, sizeof(buf)),
			    "SIGINT SIGUSR1 SIGTERM SIGRTMIN+2");
	assert_int_equal(sigs_mask_parse("xyz", &m), -1);
	assert_int_equal(sigs_mask_parse("", &m), -1);
	assert_int_equal(sigs_mask_parse("00000000000000000", &m), -1);
}

static void
status_of_self(void **state)
{
	struct sigs_status st;

	(void)state;
	assert_int_equal(sigs_read_status(getpid(), &st), 0);
	assert_true(st.threads >= 1);
	assert_string_equal(st.name, "test_sigs");
	errno = 0;
	assert_int_equal(sigs_read_status(0, &st), -1);
	assert_int_equal(errno, EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_names_any_case),
		cmocka_unit_test(parse_numbers),
		cmocka_unit_test(parse_realtime),
		cmocka_unit_test(parse_rejects),
		cmocka_unit_test(names_round_trip),
		cmocka_unit_test(default_actions),
		cmocka_unit_test(code_names),
		cmocka_unit_test(masks),
		cmocka_unit_test(status_of_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
