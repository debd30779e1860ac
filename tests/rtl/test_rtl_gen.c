/* test_rtl_gen.c - placeholder replaced below */
#include "../test_util.h"
static void t(void **s) {}
int main(void) { const struct CMUnitTest tests[] = {cmocka_unit_test(t)}; return cmocka_run_group_tests(tests, NULL, NULL); }
