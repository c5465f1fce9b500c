/*
 * test_map.c - the helpers of lib/map.c: shm name checks, OFFSET:REST
 * parsing, madvise names, searching, and residency of a fresh mapping.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "map.h"

static void
test_shm_names(void **state)
{
	char long_name[MAP_SHM_NAME_MAX + 2];
	const char *why;

	assert_int_equal(map_shm_name_check("/demo", &why), 0);
	assert_null(why);
	assert_int_equal(map_shm_name_check("demo", &why), -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(why, "starts with '/'"));
	assert_int_equal(map_shm_name_check("/", &why), -1);
	assert_int_equal(map_shm_name_check("/a/b", &why), -1);
	assert_int_equal(map_shm_name_check("/..", &why), -1);
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[0] = '/';
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(map_shm_name_check(long_name, &why), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	long_name[MAP_SHM_NAME_MAX] = '\0';
	assert_int_equal(map_shm_name_check(long_name, &why), 0);
}

static void
test_parse_offset(void **state)
{
	const char *rest;
	size_t v;

	assert_int_equal(map_parse_offset("16:hello", &v, &rest), 0);
	assert_int_equal(v, 16);
	assert_string_equal(rest, "hello");
	assert_int_equal(map_parse_offset("0x10:a:b", &v, &rest), 0);
	assert_int_equal(v, 16);
	assert_string_equal(rest, "a:b");
	assert_int_equal(map_parse_offset("42", &v, NULL), 0);
	assert_int_equal(v, 42);
	assert_int_equal(map_parse_offset("42", &v, &rest), -1);
	assert_int_equal(map_parse_offset("4x", &v, NULL), -1);
	assert_int_equal(map_parse_offset("-1", &v, NULL), -1);
	assert_int_equal(map_parse_offset(" 1", &v, NULL), -1);
	assert_int_equal(map_parse_offset("", &v, NULL), -1);
	assert_int_equal(map_parse_offset("99999999999999999999999", &v,
					  NULL), -1);
	assert_int_equal(errno, ERANGE);
}

static void
test_advice(void **state)
{
	assert_int_equal(map_advice("dontneed"), MADV_DONTNEED);
	assert_int_equal(map_advice("sequential"), MADV_SEQUENTIAL);
	assert_int_equal(map_advice("often"), -1);
	assert_int_equal(errno, EINVAL);
}

static void
test_find(void **state)
{
	const char hay[] = "abcabcab";

	assert_int_equal(map_find(hay, 8, "abc", 3, 0), 0);
	assert_int_equal(map_find(hay, 8, "abc", 3, 1), 3);
	assert_int_equal(map_find(hay, 8, "abc", 3, 4), -1);
	assert_int_equal(map_find(hay, 8, "ab", 2, 4), 6);
	assert_int_equal(map_find(hay, 8, "ab", 2, 8), -1);
	assert_int_equal(map_find(hay, 8, "x", 1, 0), -1);
}

/* A fresh anonymous mapping has no page resident until it is touched. */
static void
test_resident(void **state)
{
	long page = map_page_size();
	size_t len, resident;
	char *p;

	assert_true(page > 0);
	len = (size_t)page * 3;
	assert_int_equal(map_pages(len, (size_t)page), 3);
	assert_int_equal(map_pages(len + 1, (size_t)page), 4);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(map_resident(p, len, &resident), 0);
	assert_int_equal(resident, 0);
	p[0] = 1;
	p[2 * page] = 1;
	assert_int_equal(map_resident(p, len, &resident), 0);
	assert_int_equal(resident, 2);
	assert_int_equal(munmap(p, len), 0);
	assert_int_equal(map_resident(p, len, &resident), -1);
	assert_int_equal(errno, ENOMEM);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shm_names),
		cmocka_unit_test(test_parse_offset),
		cmocka_unit_test(test_advice),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_resident),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
