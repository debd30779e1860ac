/* stats.c - the small statistics the history engine needs: median, the
 * normal distribution, the Mann-Whitney U test (exact or tie-corrected
 * normal approximation) and the Theil-Sen slope with Sen's confidence
 * interval.  Written out here because no Debian C library offers them;
 * the formulas follow the textbook definitions (and scipy.stats, whose
 * results the tests compare against on fixed inputs). */
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include "brainsmith/error.h"
#include "history_int.h"

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bs_stat_median(const double *x, size_t n)
{
    if (n == 0) return NAN;
    double small[64], *t = n <= 64 ? small : malloc(n * sizeof(double));
    if (!t) return NAN;
    memcpy(t, x, n * sizeof(double));
    qsort(t, n, sizeof(double), cmp_dbl);
    double m = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
    if (t != small) free(t);
    return m;
}

double bs_stat_norm_cdf(double z)
{
    return 0.5 * erfc(-z / sqrt(2.0));
}

/* Inverse of the standard normal cdf by bisection on erfc (exact to ~1e-12;
 * only called a handful of times per analysis). */
static double norm_ppf(double p)
{
    double lo = -40, hi = 40;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (bs_stat_norm_cdf(mid) < p) lo = mid; else hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* ---- Mann-Whitney U ---------------------------------------------------- */

typedef struct ranked { double v; int side; } ranked;

static int cmp_ranked(const void *a, const void *b)
{
    return cmp_dbl(&((const ranked *)a)->v, &((const ranked *)b)->v);
}

/* P(U <= u) and P(U >= u) under H0 without ties, by counting arrangements:
 * f(i, j, u) = f(i-1, j, u-j) + f(i, j-1, u). */
static int mw_exact(size_t n1, size_t n2, double u, double *p_le, double *p_ge)
{
    size_t umax = n1 * n2;
    size_t stride = umax + 1;
    double *prev = calloc((n2 + 1) * stride, sizeof(double));
    double *cur = calloc((n2 + 1) * stride, sizeof(double));
    if (!prev || !cur) { free(prev); free(cur); return bs_error_set(BS_ENOMEM, "Mann-Whitney"); }
    for (size_t j = 0; j <= n2; j++) prev[j * stride] = 1;   /* i = 0 */
    for (size_t i = 1; i <= n1; i++) {
        memset(cur, 0, (n2 + 1) * stride * sizeof(double));
        cur[0] = 1;                                           /* j = 0 */
        for (size_t j = 1; j <= n2; j++)
            for (size_t k = 0; k <= i * j; k++) {
                double v = cur[(j - 1) * stride + k];
                if (k >= j) v += prev[j * stride + k - j];
                cur[j * stride + k] = v;
            }
        double *t = prev; prev = cur; cur = t;
    }
    double total = 0, le = 0, ge = 0;
    for (size_t k = 0; k <= umax; k++) {
        double f = prev[n2 * stride + k];
        total += f;
        if ((double)k <= u + 1e-9) le += f;
        if ((double)k >= u - 1e-9) ge += f;
    }
    *p_le = le / total;
    *p_ge = ge / total;
    free(prev); free(cur);
    return 0;
}

int bs_stat_mann_whitney(const double *a, size_t na, const double *b, size_t nb, double *u_out,
                         double *p_out)
{
    size_t N = na + nb, n1 = 0, n2 = 0;
    ranked *r = malloc((N ? N : 1) * sizeof(ranked));
    if (!r) return bs_error_set(BS_ENOMEM, "Mann-Whitney: %zu values", N);
    for (size_t i = 0; i < na; i++) if (isfinite(a[i])) r[n1++] = (ranked){a[i], 0};
    for (size_t i = 0; i < nb; i++) if (isfinite(b[i])) { r[n1 + n2] = (ranked){b[i], 1}; n2++; }
    if (n1 < 1 || n2 < 1) {
        free(r);
        return bs_error_set(BS_EINVAL, "Mann-Whitney: need values on both sides (have %zu and %zu)", n1, n2);
    }
    N = n1 + n2;
    qsort(r, N, sizeof(ranked), cmp_ranked);
    double r1 = 0, tie_sum = 0;
    bool ties = false;
    for (size_t i = 0; i < N;) {
        size_t j = i;
        while (j < N && r[j].v == r[i].v) j++;
        double rank = 0.5 * (double)(i + 1 + j);   /* average of ranks i+1..j */
        double t = (double)(j - i);
        if (t > 1) { ties = true; tie_sum += t * t * t - t; }
        for (size_t k = i; k < j; k++) if (r[k].side == 0) r1 += rank;
        i = j;
    }
    free(r);
    double u1 = r1 - (double)n1 * (double)(n1 + 1) / 2.0;
    double mu = (double)n1 * (double)n2 / 2.0, p;
    if (!ties && N <= 40) {
        double le = 1, ge = 1;
        int rc = mw_exact(n1, n2, u1, &le, &ge);
        if (rc < 0) return rc;
        p = 2.0 * (le < ge ? le : ge);
    } else {
        double dn = (double)N;
        double var = (double)n1 * (double)n2 / 12.0 * ((dn + 1) - tie_sum / (dn * (dn - 1)));
        if (var <= 0) {
            p = 1.0;
        } else {
            double z = (fabs(u1 - mu) - 0.5) / sqrt(var);
            if (z < 0) z = 0;
            p = 2.0 * (1.0 - bs_stat_norm_cdf(z));
        }
    }
    if (p > 1) p = 1;
    if (u_out) *u_out = u1;
    if (p_out) *p_out = p;
    return 0;
}

/* ---- Theil-Sen ---------------------------------------------------------- */

/* sum over groups of equal values of t (t-1) (2t+5) */
static double tie_term(double *v, size_t n)
{
    qsort(v, n, sizeof(double), cmp_dbl);
    double s = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && v[j] == v[i]) j++;
        double t = (double)(j - i);
        s += t * (t - 1) * (2 * t + 5);
        i = j;
    }
    return s;
}

int bs_stat_theil_sen(const double *x, const double *y, size_t n, double conf, double *slope,
                      double *lo, double *hi, double *intercept)
{
    if (!(conf > 0 && conf < 1))
        return bs_error_set(BS_EINVAL, "Theil-Sen: confidence %g not in (0, 1)", conf);
    double *xs = malloc((n ? n : 1) * sizeof(double)), *ys = malloc((n ? n : 1) * sizeof(double));
    if (!xs || !ys) { free(xs); free(ys); return bs_error_set(BS_ENOMEM, "Theil-Sen"); }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && isfinite(y[i])) { xs[m] = x[i]; ys[m] = y[i]; m++; }
    size_t cap = m * (m - (m > 0)) / 2, ns = 0;
    double *s = malloc((cap ? cap : 1) * sizeof(double));
    if (!s) { free(xs); free(ys); return bs_error_set(BS_ENOMEM, "Theil-Sen: %zu slopes", cap); }
    for (size_t i = 0; i < m; i++)
        for (size_t j = i + 1; j < m; j++)
            if (xs[j] != xs[i]) s[ns++] = (ys[j] - ys[i]) / (xs[j] - xs[i]);
    if (ns == 0) {
        free(xs); free(ys); free(s);
        return bs_error_set(BS_EINVAL, "Theil-Sen: need two points with different x (have %zu points)", m);
    }
    qsort(s, ns, sizeof(double), cmp_dbl);
    double med = ns % 2 ? s[ns / 2] : 0.5 * (s[ns / 2 - 1] + s[ns / 2]);
    double z = norm_ppf(1.0 - (1.0 - conf) / 2.0);
    double dm = (double)m;
    double sig2 = dm * (dm - 1) * (2 * dm + 5);
    double *tmp = malloc(m * sizeof(double));
    if (tmp) {
        memcpy(tmp, xs, m * sizeof(double));
        sig2 -= tie_term(tmp, m);
        memcpy(tmp, ys, m * sizeof(double));
        sig2 -= tie_term(tmp, m);
        free(tmp);
    }
    sig2 /= 18.0;
    double sigma = sig2 > 0 ? sqrt(sig2) : 0;
    double dn = (double)ns;
    double ru = round((dn + z * sigma) / 2.0), rl = round((dn - z * sigma) / 2.0) - 1;
    if (ru > dn - 1) ru = dn - 1;
    if (rl < 0) rl = 0;
    if (slope) *slope = med;
    if (lo) *lo = s[(size_t)rl];
    if (hi) *hi = s[(size_t)ru];
    if (intercept) *intercept = bs_stat_median(ys, m) - med * bs_stat_median(xs, m);
    free(xs); free(ys); free(s);
    return 0;
}
