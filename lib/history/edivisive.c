/* edivisive.c - change-point detection: E-divisive on means with
 * permutation tests, in the windowed split/merge form of Hunter/Otava,
 * plus the relative-threshold rule.
 *
 * E-divisive (Matteson & James 2014) splits a segment where the energy
 * divergence between the left part X = z[0..tau) and a right part
 * Y = z[tau..kappa) is largest:
 *
 *   q(tau, kappa) = 2/k * S_XY - 2 m/(k (n-1)) W_X - 2 n/(k (m-1)) W_Y
 *
 * with n = |X|, m = |Y|, k = n + m, S_XY the sum of |x - y| across and W
 * the sums of |a - b| over pairs within X and within Y (alpha = 1, the
 * form Otava's calculator uses).  The maximum over all (tau, kappa) is found
 * in O(n^2) time and O(n) memory: W(0, b) and W(tau, kappa) grow by one
 * column per kappa and S_XY = W(0, kappa) - W(0, tau) - W(tau, kappa).
 *
 * Significance follows the paper: the points of every current segment are
 * permuted within it, the maximum q of the permuted series is computed, and
 * p = (#{q_perm >= q_obs} + 1) / (R + 1).  The test stops as soon as the
 * outcome is decided (Besag-Clifford sequential stopping), and each
 * permuted maximum stops at the first q that reaches q_obs.
 *
 * As in Hunter (Fleming et al. 2023) and Apache Otava, the series is cut
 * into overlapping windows (length w, step w/2); each window is split at a
 * relaxed level (10 x p) giving "weak" change points; the merge step then
 * re-tests every weak point against its neighbours (up to w points each
 * side) and drops the weakest until all pass p (and min_magnitude).  Otava's
 * merge uses a t-test at the chosen split, which ignores that the split was
 * chosen; here the merge test is a permutation test of a statistic
 * maximised over all splits of the segment (a standardised Mann-Whitney
 * scan), so the choice is accounted for and the detector stays
 * non-parametric.  It is O(N) per permutation. */
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include "brainsmith/error.h"
#include "history_int.h"

void bs_cpd_opts_default(bs_cpd_opts *o)
{
    o->max_pvalue = 0.001;
    o->window = 50;
    o->split_permutations = 99;
    o->merge_permutations = 1999;
    o->min_magnitude = 0.0;
    o->seed = 0x5eed0b5e55ULL;
}

void bs_threshold_opts_default(bs_threshold_opts *o)
{
    o->rel = 0.05;
    o->lookback = 5;
}

void bs_hist_mean_std(const double *x, size_t n, double *mean, double *std)
{
    double s = 0, ss = 0;
    for (size_t i = 0; i < n; i++) s += x[i];
    double m = n ? s / (double)n : NAN;
    for (size_t i = 0; i < n; i++) ss += (x[i] - m) * (x[i] - m);
    *mean = m;
    *std = n > 1 ? sqrt(ss / (double)n) : 0.0;
}

/* ---- the q statistic ---------------------------------------------------- */

/* Scratch for q computations on segments of up to cap points. */
typedef struct qscratch {
    double *w0;     /* w0[b] = W(0, b) */
    double *wt;     /* wt[tau] = W(tau, kappa) for the current kappa */
    double *inv;    /* inv[i] = 1 / i (inv[0] unused) */
    size_t cap;
} qscratch;

static int qs_init(qscratch *s, size_t cap)
{
    s->cap = cap;
    s->w0 = malloc((cap + 1) * sizeof(double));
    s->wt = malloc((cap + 1) * sizeof(double));
    s->inv = malloc((cap + 1) * sizeof(double));
    if (!s->w0 || !s->wt || !s->inv) {
        free(s->w0); free(s->wt); free(s->inv);
        return bs_error_set(BS_ENOMEM, "change points: scratch for %zu points", cap);
    }
    s->inv[0] = 0;
    for (size_t i = 1; i <= cap; i++) s->inv[i] = 1.0 / (double)i;
    return 0;
}

static void qs_free(qscratch *s)
{
    free(s->w0); free(s->wt); free(s->inv);
}

/* Maximum q over splits of z[0..n).  Stops early, returning a value
 * >= stop_at, as soon as one q reaches stop_at (pass +inf for the full
 * maximum).  *tau gets the split index of the maximum. */
static double qmax(qscratch *s, const double *z, size_t n, double stop_at, size_t *tau_out,
                   size_t *kappa_out)
{
    double best = -DBL_MAX;
    size_t bt = 0, bk = 0;
    double *w0 = s->w0, *wt = s->wt;
    const double *inv = s->inv;
    if (n < 2) {
        if (tau_out) *tau_out = 0;
        if (kappa_out) *kappa_out = 0;
        return -DBL_MAX;
    }
    w0[0] = w0[1] = 0;
    wt[0] = 0;
    for (size_t kappa = 2; kappa <= n; kappa++) {
        size_t j = kappa - 1;
        double zj = z[j], r = 0;
        wt[j] = 0;
        /* W(tau, kappa) = W(tau, kappa-1) + sum_{i=tau}^{kappa-2} |z_i - z_j| */
        for (size_t tau = j; tau-- > 0;) {
            r += fabs(z[tau] - zj);
            wt[tau] += r;
        }
        w0[kappa] = wt[0];
        /* inv[0] == 0 makes the within-terms vanish for one-point sides, so
         * the loop is branch-free and vectorizes; the argmax is recovered by
         * a second pass only when this column improves on the best */
        double wk = wt[0], m = -DBL_MAX;
        for (size_t tau = 1; tau < kappa; tau++) {
            double wx = w0[tau], wy = wt[tau];
            double q = (wk - wx - wy) - (double)(kappa - tau) * inv[tau - 1] * wx
                       - (double)tau * inv[kappa - tau - 1] * wy;
            m = q > m ? q : m;
        }
        double ms = m * 2.0 * inv[kappa];
        if (ms > best) {
            for (size_t tau = 1; tau < kappa; tau++) {
                double wx = w0[tau], wy = wt[tau];
                double q = (wk - wx - wy) - (double)(kappa - tau) * inv[tau - 1] * wx
                           - (double)tau * inv[kappa - tau - 1] * wy;
                if (q >= m) { bt = tau; break; }
            }
            best = ms;
            bk = kappa;
            if (best >= stop_at) goto done;
        }
    }
done:
    if (tau_out) *tau_out = bt;
    if (kappa_out) *kappa_out = bk;
    return best;
}

double bs_cpd_qhat_max(const double *x, size_t n, size_t *tau, size_t *kappa)
{
    qscratch s;
    if (qs_init(&s, n ? n : 1) < 0) return NAN;
    double q = qmax(&s, x, n, INFINITY, tau, kappa);
    qs_free(&s);
    return n < 2 ? 0.0 : q;
}

/* Tolerance for "q_perm >= q_obs": equal values (ties, constant data) must
 * count as exceedances despite rounding in the incremental sums. */
static double q_tol(double q, double scale)
{
    return 1e-9 * (fabs(q) + scale) + 1e-300;
}

/* ---- split step: E-divisive within one window --------------------------- */

typedef struct wctx {
    qscratch qs;
    bs_rng rng;
    double *perm;     /* permuted copy of the window */
    size_t *cps;      /* change points found in the window (relative, sorted) */
    size_t ncps;
    double *cq;       /* q of each found change point */
} wctx;

/* Best candidate over the segments cut by ctx->cps in z[0..n). */
static double best_candidate(wctx *c, const double *z, size_t n, double stop_at, size_t *index,
                             size_t *seg_start, size_t *seg_kappa)
{
    double best = -DBL_MAX;
    size_t bi = 0, a = 0, bs = 0, bk = 0;
    for (size_t k = 0; k <= c->ncps; k++) {
        size_t b = k < c->ncps ? c->cps[k] : n;
        if (b - a >= 2) {
            size_t tau, kappa;
            double q = qmax(&c->qs, z + a, b - a, stop_at, &tau, &kappa);
            if (q > best) {
                best = q; bi = a + tau; bs = a; bk = a + kappa;
                if (best >= stop_at) break;
            }
        }
        a = b;
    }
    *index = bi;
    if (seg_start) *seg_start = bs;
    if (seg_kappa) *seg_kappa = bk;
    return best;
}

typedef struct vr { double v; size_t pos; } vr;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* |z| of the Mann-Whitney rank sum of x[0..nx) against y[0..ny), mid-ranks,
 * standardised with the no-ties variance (with ties that overstates the
 * variance, so |z| errs low: conservative). */
static double rank_z(const double *x, size_t nx, const double *y, size_t ny)
{
    size_t N = nx + ny;
    vr buf[256], *t = N <= 256 ? buf : malloc(N * sizeof(vr));
    if (!t) return 0;
    for (size_t i = 0; i < nx; i++) t[i] = (vr){x[i], 0};
    for (size_t i = 0; i < ny; i++) t[nx + i] = (vr){y[i], 1};
    qsort(t, N, sizeof(vr), cmp_double);
    double r1 = 0;
    for (size_t i = 0; i < N;) {
        size_t j = i;
        while (j < N && t[j].v == t[i].v) j++;
        for (size_t k = i; k < j; k++) if (t[k].pos == 0) r1 += 0.5 * (double)(i + 1 + j);
        i = j;
    }
    if (t != buf) free(t);
    double mu = (double)nx * (double)(N + 1) / 2.0;
    double sd = sqrt((double)nx * (double)ny * (double)(N + 1) / 12.0);
    return fabs(r1 - mu) / sd;
}

/* Bonferroni bound over m tests of a two-sided normal tail at |z|. */
static double bonferroni(double z, double m)
{
    double p = m * erfc(z / sqrt(2.0));
    return p < 1 ? p : 1;
}

/* Permutation p-value of candidate q_obs in window z[0..n). */
static double perm_pvalue(wctx *c, const double *z, size_t n, double q_obs, double scale,
                          int R, double alpha)
{
    double thr = q_obs - q_tol(q_obs, scale);
    /* significant iff k + 1 <= alpha (R + 1): stop once k exceeds that */
    int kmax = (int)floor(alpha * (R + 1) - 1 + 1e-9);
    int k = 0;
    for (int r = 1; r <= R; r++) {
        memcpy(c->perm, z, n * sizeof(double));
        size_t a = 0;
        for (size_t i = 0; i <= c->ncps; i++) {
            size_t b = i < c->ncps ? c->cps[i] : n;
            bs_rng_shuffle(&c->rng, c->perm + a, b - a);
            a = b;
        }
        size_t idx;
        if (best_candidate(c, c->perm, n, thr, &idx, NULL, NULL) >= thr) {
            k++;
            if (k > kmax) return (double)k / (double)r;   /* Besag-Clifford */
        }
    }
    return (double)(k + 1) / (double)(R + 1);
}

static void insert_sorted(wctx *c, size_t idx, double q)
{
    size_t i = c->ncps;
    while (i > 0 && c->cps[i - 1] > idx) {
        c->cps[i] = c->cps[i - 1];
        c->cq[i] = c->cq[i - 1];
        i--;
    }
    c->cps[i] = idx;
    c->cq[i] = q;
    c->ncps++;
}

static void window_detect(wctx *c, const double *z, size_t n, double alpha, int R)
{
    c->ncps = 0;
    if (n < 3) return;
    double lo = z[0], hi = z[0];
    for (size_t i = 1; i < n; i++) {
        if (z[i] < lo) lo = z[i];
        if (z[i] > hi) hi = z[i];
    }
    double scale = (hi - lo) * (double)n;
    if (hi == lo) return;   /* constant: nothing to split */
    for (;;) {
        size_t idx, a, kap;
        double q = best_candidate(c, z, n, INFINITY, &idx, &a, &kap);
        if (q == -DBL_MAX || idx == 0) break;
        /* A clear shift needs no permutations: the rank-sum test at this
         * split, Bonferroni-corrected over every (tau, kappa) the search
         * could have picked, is a conservative bound on its p-value. */
        double p = 1;
        if (idx - a >= 3 && kap - idx >= 3)
            p = bonferroni(rank_z(z + a, idx - a, z + idx, kap - idx), (double)n * (double)(n - 1) / 2.0);
        if (p > alpha) p = perm_pvalue(c, z, n, q, scale, R, alpha);
        if (p > alpha) break;
        insert_sorted(c, idx, q);
        if (c->ncps + 1 >= n) break;
    }
}

/* ---- merge step ------------------------------------------------------------ */

/* Max-corrected merge test.  The fixed-split energy test above is applied
 * at the split the window search chose, so by itself it ignores that
 * choice (short excursions then look significant).  Survivors of that
 * screen are re-tested with a statistic maximised over every split of the
 * segment, so the choice is part of what the permutations reproduce: the
 * standardised Mann-Whitney (Pettitt-type) scan
 *   T = max_tau |2 sum_{i<tau} r_i - tau (N+1)| / sqrt(tau (N-tau) (N+1) / 3)
 * on mid-ranks r.  A rank statistic for a shift in location ("on means"),
 * robust to outliers, exact under permutation with ties, and O(N) per
 * permutation. */
typedef struct scanctx {
    double *r;        /* mid-ranks of the segment (shuffled in place) */
    double *norm;     /* 1 / sd of the rank sum at each tau */
    size_t cap;
} scanctx;

static double rank_scan(const double *r, const double *norm, size_t N)
{
    double cum = 0, best = 0, half = 0.5 * (double)(N + 1);
    for (size_t tau = 1; tau < N; tau++) {
        cum += r[tau - 1] - half;                 /* sum_{i<tau} r_i - tau (N+1)/2 */
        double z = fabs(cum) * norm[tau];
        best = z > best ? z : best;
    }
    return best;
}

typedef struct mctx {
    scanctx *scan;
    bs_rng rng;
} mctx;

static double scan_pvalue(scanctx *c, bs_rng *rng, const double *seg, size_t N, int R, double alpha)
{
    if (N < 3 || N > c->cap) return 1.0;
    vr *t = malloc(N * sizeof(vr));
    if (!t) return 1.0;
    for (size_t i = 0; i < N; i++) t[i] = (vr){seg[i], i};
    qsort(t, N, sizeof(vr), cmp_double);
    if (t[0].v == t[N - 1].v) { free(t); return 1.0; }
    for (size_t i = 0; i < N;) {                 /* mid-ranks */
        size_t j = i;
        while (j < N && t[j].v == t[i].v) j++;
        for (size_t k = i; k < j; k++) c->r[t[k].pos] = 0.5 * (double)(i + 1 + j);
        i = j;
    }
    free(t);
    for (size_t tau = 1; tau < N; tau++)
        c->norm[tau] = 1.0 / sqrt((double)tau * (double)(N - tau) * (double)(N + 1) / 12.0);
    double obs = rank_scan(c->r, c->norm, N);
    /* a clear shift: the Bonferroni bound over the N-1 splits already
     * decides (normal tails bound the platykurtic rank-sum tails) */
    double pb = bonferroni(obs, (double)(N - 1));
    if (pb <= alpha) return pb;
    double thr = obs - 1e-9 * (obs + 1.0);
    int kmax = (int)floor(alpha * (R + 1) - 1 + 1e-9), k = 0;
    for (int r = 1; r <= R; r++) {
        bs_rng_shuffle(rng, c->r, N);
        if (rank_scan(c->r, c->norm, N) >= thr) {
            k++;
            if (k > kmax) return (double)k / (double)r;
        }
    }
    return (double)(k + 1) / (double)(R + 1);
}

/* ---- the driver ----------------------------------------------------------- */

typedef struct wcp {
    size_t index;     /* into the compacted finite array */
    double q, p;
    double magnitude;
} wcp;

static double magnitude_of(const double *z, size_t a, size_t b, size_t e)
{
    double m1, s1, m2, s2;
    bs_hist_mean_std(z + a, b - a, &m1, &s1);
    bs_hist_mean_std(z + b, e - b, &m2, &s2);
    double f = m1 == 0 ? 0 : fabs(m2 / m1 - 1.0);
    double g = m2 == 0 ? 0 : fabs(m1 / m2 - 1.0);
    return f > g ? f : g;
}

/* Re-tests cps[i] against its neighbours (local windows of at most w). */
static void retest(mctx *m, const double *z, size_t n, wcp *cps, size_t ncps, size_t i,
                   size_t w, const bs_cpd_opts *o)
{
    size_t a = i ? cps[i - 1].index : 0;
    size_t b = cps[i].index;
    size_t e = i + 1 < ncps ? cps[i + 1].index : n;
    size_t la = b - a > w ? b - w : a;
    size_t re = e - b > w ? b + w : e;
    cps[i].p = scan_pvalue(m->scan, &m->rng, z + la, re - la, o->merge_permutations, o->max_pvalue);
    cps[i].magnitude = magnitude_of(z, a, b, e);
}

static int detect_finite(const double *z, size_t n, const bs_cpd_opts *o, wcp **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    size_t w = o->window < 4 ? 4 : (size_t)o->window;
    double p = o->max_pvalue;
    double weak = p < 0.05 ? p * 10 : (p < 0.5 ? p * 2 : p);
    wctx c = {0};
    mctx m = {0};
    wcp *cps = NULL;
    size_t ncps = 0, capcps = 0;
    int rc = 0;
    if ((rc = qs_init(&c.qs, w)) < 0) return rc;
    c.perm = malloc(w * sizeof(double));
    c.cps = malloc((w + 1) * sizeof(size_t));
    c.cq = malloc((w + 1) * sizeof(double));
    if (!c.perm || !c.cps || !c.cq) {
        rc = bs_error_set(BS_ENOMEM, "change points: window buffers");
        goto out;
    }
    scanctx sc = {0};
    sc.cap = 2 * w + 2;
    sc.r = malloc(sc.cap * sizeof(double));
    sc.norm = malloc(sc.cap * sizeof(double));
    m.scan = &sc;
    if (!sc.r || !sc.norm) {
        rc = bs_error_set(BS_ENOMEM, "change points: merge buffers");
        goto out;
    }
    bs_rng_seed(&c.rng, o->seed);
    bs_rng_seed(&m.rng, o->seed ^ 0xa5a5a5a5a5a5a5a5ULL);

    /* split: sliding windows, union of weak change points */
    size_t step = w / 2, start = 0;
    while (start < n) {
        size_t end = start + w < n ? start + w : n;
        window_detect(&c, z + start, end - start, weak, o->split_permutations);
        size_t last = 0;
        for (size_t k = 0; k < c.ncps; k++) {
            size_t idx = start + c.cps[k];
            last = idx;
            size_t j = 0;
            while (j < ncps && cps[j].index != idx) j++;
            if (j < ncps) continue;
            if (ncps == capcps) {
                size_t nc = capcps ? 2 * capcps : 16;
                wcp *t = realloc(cps, nc * sizeof(wcp));
                if (!t) { rc = bs_error_set(BS_ENOMEM, "change points: list"); goto out; }
                cps = t; capcps = nc;
            }
            /* keep sorted by index */
            size_t pos = ncps;
            while (pos > 0 && cps[pos - 1].index > idx) { cps[pos] = cps[pos - 1]; pos--; }
            cps[pos] = (wcp){idx, c.cq[k], 0, 0};
            ncps++;
        }
        size_t next = start + step;
        start = last > next ? last : next;
        if (end == n && start < n && n - start < 3) break;
    }

    /* merge: drop the weakest until every change point passes */
    for (size_t i = 0; i < ncps; i++) retest(&m, z, n, cps, ncps, i, w, o);
    while (ncps > 0) {
        size_t wi = 0;
        for (size_t i = 1; i < ncps; i++)
            if (cps[i].p > cps[wi].p) wi = i;
        if (cps[wi].p <= p) {
            if (o->min_magnitude <= 0) break;
            wi = 0;
            for (size_t i = 1; i < ncps; i++)
                if (cps[i].magnitude < cps[wi].magnitude) wi = i;
            if (cps[wi].magnitude >= o->min_magnitude) break;
        }
        memmove(cps + wi, cps + wi + 1, (ncps - wi - 1) * sizeof(wcp));
        ncps--;
        if (wi > 0) retest(&m, z, n, cps, ncps, wi - 1, w, o);
        if (wi < ncps) retest(&m, z, n, cps, ncps, wi, w, o);
    }
    *out = cps;
    *nout = ncps;
    cps = NULL;
out:
    free(cps);
    qs_free(&c.qs);
    free(c.perm); free(c.cps); free(c.cq);
    if (m.scan) {
        free(sc.r); free(sc.norm);
    }
    return rc;
}

int bs_cpd_detect(const double *x, size_t n, const bs_cpd_opts *opts, bs_change_point **out,
                  size_t *n_out)
{
    bs_cpd_opts def;
    if (!opts) { bs_cpd_opts_default(&def); opts = &def; }
    *out = NULL;
    *n_out = 0;
    if (!(opts->max_pvalue > 0 && opts->max_pvalue < 1))
        return bs_error_set(BS_EINVAL, "change points: max p-value %g is not in (0, 1)", opts->max_pvalue);
    if (opts->window < 4)
        return bs_error_set(BS_EINVAL, "change points: window %d is below 4", opts->window);
    if (opts->split_permutations < 1 || opts->merge_permutations < 1)
        return bs_error_set(BS_EINVAL, "change points: permutation counts must be >= 1");
    if (n == 0) return 0;
    if (!x) return bs_error_set(BS_EINVAL, "change points: NULL series");

    /* compact the finite values, remembering where each came from */
    double *z = malloc(n * sizeof(double));
    size_t *map = malloc(n * sizeof(size_t));
    if (!z || !map) {
        free(z); free(map);
        return bs_error_set(BS_ENOMEM, "change points: %zu points", n);
    }
    size_t nz = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) { z[nz] = x[i]; map[nz] = i; nz++; }
    int rc = 0;
    wcp *cps = NULL;
    size_t ncps = 0;
    if (nz >= 4) rc = detect_finite(z, nz, opts, &cps, &ncps);
    if (rc == 0 && ncps > 0) {
        bs_change_point *res = calloc(ncps, sizeof(*res));
        if (!res) {
            rc = bs_error_set(BS_ENOMEM, "change points: result");
        } else {
            for (size_t i = 0; i < ncps; i++) {
                size_t a = i ? cps[i - 1].index : 0, b = cps[i].index;
                size_t e = i + 1 < ncps ? cps[i + 1].index : nz;
                bs_change_point *r = &res[i];
                r->index = map[b];
                r->pvalue = cps[i].p;
                r->qhat = cps[i].q;
                bs_hist_mean_std(z + a, b - a, &r->mean_before, &r->std_before);
                bs_hist_mean_std(z + b, e - b, &r->mean_after, &r->std_after);
                r->rel_change = bs_hist_rel(r->mean_before, r->mean_after);
            }
            *out = res;
            *n_out = ncps;
        }
    }
    free(cps);
    free(z);
    free(map);
    return rc;
}

/* ---- relative-threshold rule ---------------------------------------------- */

int bs_threshold_detect(const double *x, size_t n, const bs_threshold_opts *opts,
                        bs_change_point **out, size_t *n_out)
{
    bs_threshold_opts def;
    if (!opts) { bs_threshold_opts_default(&def); opts = &def; }
    *out = NULL;
    *n_out = 0;
    if (!(opts->rel > 0) || opts->lookback < 1)
        return bs_error_set(BS_EINVAL, "threshold rule: need rel > 0 and lookback >= 1 (got %g, %d)",
                            opts->rel, opts->lookback);
    size_t L = (size_t)opts->lookback;
    double *ref = malloc(L * sizeof(double));
    bs_change_point *res = NULL;
    size_t nres = 0, cap = 0;
    int rc = 0;
    if (!ref) { rc = bs_error_set(BS_ENOMEM, "threshold rule"); goto out; }
    size_t nref = 0;   /* finite points in the reference ring, oldest first */
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i])) continue;
        if (nref > 0) {
            double med = bs_stat_median(ref, nref);
            double rel = bs_hist_rel(med, x[i]);
            /* noise guard: with 3+ reference points the jump must also exceed
             * 3 robust standard deviations (1.4826 MAD) of the reference */
            double noise = 0;
            if (nref >= 3) {
                double dev[64];
                size_t nd = nref < 64 ? nref : 64;
                for (size_t k = 0; k < nd; k++) dev[k] = fabs(ref[nref - nd + k] - med);
                noise = 3.0 * 1.4826 * bs_stat_median(dev, nd);
            }
            if (isfinite(rel) && fabs(rel) >= opts->rel && fabs(x[i] - med) > noise) {
                if (nres == cap) {
                    size_t nc = cap ? 2 * cap : 8;
                    bs_change_point *t = realloc(res, nc * sizeof(*t));
                    if (!t) { rc = bs_error_set(BS_ENOMEM, "threshold rule"); goto out; }
                    res = t; cap = nc;
                }
                bs_change_point *r = &res[nres++];
                memset(r, 0, sizeof(*r));
                r->index = i;
                r->pvalue = NAN;
                r->qhat = NAN;
                double sd;
                bs_hist_mean_std(ref, nref, &r->mean_before, &sd);
                r->std_before = sd;
                r->mean_before = med;
                r->mean_after = x[i];
                r->std_after = 0;
                r->rel_change = rel;
                nref = 0;   /* restart the reference at the new level */
            }
        }
        if (nref == L) { memmove(ref, ref + 1, (L - 1) * sizeof(double)); nref--; }
        ref[nref++] = x[i];
    }
    *out = res;
    *n_out = nres;
    res = NULL;
out:
    free(res); free(ref);
    return rc;
}
