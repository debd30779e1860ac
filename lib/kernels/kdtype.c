/* kdtype.c - the QONNX datatype view the kernels use (name, bitwidth,
 * signedness, integer-ness, min, max), filled from lib/ir's datatype.h so
 * there is one QONNX datatype parser in the project.  The kernels' contract
 * is kept exactly: BS_EINVAL for names they cannot cost (unknown names and
 * minifloats FLOAT<e,m>), SCALEDINT with min = max = 0 (QONNX leaves them
 * undefined; datatype.h gives NaN). */
#include <stdio.h>
#include "brainsmith/datatype.h"
#include "kernels_int.h"

static void from_dt(bs_dt dt, bs_kdt *d)
{
    char nm[BS_DT_NAME_MAX];
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "%s", bs_dt_name(dt, nm));
    d->bits = bs_dt_bitwidth(dt);
    d->is_signed = bs_dt_signed(dt);
    d->is_integer = bs_dt_is_integer(dt);
    if (dt.kind != BS_DT_SCALEDINT) {
        d->min = bs_dt_min(dt);
        d->max = bs_dt_max(dt);
    }
}

int bs_kdt_parse(const char *name, bs_kdt *d)
{
    memset(d, 0, sizeof *d);
    if (!name || !*name) return bs_error_set(BS_EINVAL, "empty datatype name");
    bs_dt dt;
    if (bs_dt_parse(name, &dt) < 0 || dt.kind == BS_DT_FLOAT)
        return bs_error_set(BS_EINVAL, "unknown QONNX datatype '%s'", name);
    from_dt(dt, d);
    return 0;
}

void bs_kdt_smallest(double value, bs_kdt *out)
{
    from_dt(bs_dt_smallest(value), out);
}
