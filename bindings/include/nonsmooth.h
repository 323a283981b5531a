/*
 * nonsmooth.h — the C ABI of the nonsmooth Swift core (libNonsmoothC).
 *
 * This header is the one contract between the Swift core and everything else.
 *
 * Conventions
 * -----------
 * - Every function that can fail returns an ns_status. On failure,
 *   ns_last_error_message() returns a human-readable reason that names the
 *   offending argument, e.g. "weights: has length 3 but the vector has length 4".
 *   The message is thread-local and valid until the next ns_* call on the
 *   same thread.
 * - No input can crash the process: null pointers, negative or overflowing
 *   sizes, NaN parameters, mismatched lengths all give NS_INVALID_ARGUMENT.
 *   (Pointers must of course point to as many elements as their sizes say.)
 * - Arrays are passed as (pointer, shape, strides) with strides counted in
 *   elements, not bytes; strides may be negative or zero. The core reads strided
 *   input in place and copies only when an algorithm needs another layout.
 *   Output arrays are contiguous, row-major, allocated by the caller.
 * - Functions are thread-safe: handles are immutable after creation and may be
 *   shared between threads. Callers may (and the Python extension does) release
 *   the interpreter lock around every call.
 */
#ifndef NONSMOOTH_H
#define NONSMOOTH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Status codes --------------------------------------------------------- */

typedef int32_t ns_status;

#define NS_OK               0  /* success                                          */
#define NS_INVALID_ARGUMENT 1  /* an argument is out of its domain (see message)   */
#define NS_NUMERICAL_ERROR  2  /* e.g. LAPACK failed to converge                   */
#define NS_CANCELLED        3  /* the progress callback asked to stop              */
#define NS_NOT_CONVERGED    4  /* iteration budget exhausted before tolerance      */
#define NS_OUT_OF_MEMORY    5  /* an allocation failed                              */
#define NS_INTERNAL_ERROR   6  /* a bug: please report the message                  */

/* Thread-local description of the last failure on this thread ("" after success). */
const char *ns_last_error_message(void);

/* Library version, e.g. "0.1.0". Static storage; never NULL. */
const char *ns_version(void);

/* ---- Progress and cancellation -------------------------------------------- */

/*
 * Long-running loops (solvers, training) take an optional callback, called
 * every `every` iterations with the iteration count and the current value of
 * the stopping certificate (duality gap, KKT residual, ...). Returning a
 * non-zero value stops the loop, which then returns NS_CANCELLED with its
 * outputs holding the last iterate. The callback is called on the thread that
 * runs the loop; the Python extension uses it to re-take the GIL, check for
 * Ctrl-C and drive progress displays. A NULL callback is never called.
 */
typedef int32_t (*ns_progress_callback)(void *context, int64_t iteration, double certificate);

/* ---- Proximal operators ---------------------------------------------------- */

/*
 * An immutable proximal operator: a closed function f with
 *     prox_{t f}(v) = argmin_x f(x) + ||x - v||^2 / (2 t),   t > 0.
 * Vector operators act on each row of an m×n array as one vector of length n
 * (m = 1 for a single vector; elementwise operators act on every entry).
 * Matrix operators (kinds "nuclear" and "psd") act on the m×n array as one matrix.
 */
typedef struct ns_prox ns_prox;

/*
 * Creates the operator of the given kind. Parameters not listed for a kind must
 * be absent (NULL / 0). `scalars` must hold exactly the listed values.
 * Vector parameters `a` and `b` are per-coordinate (length n of the vectors the
 * operator is applied to) unless said otherwise. Groups are given in compressed
 * form: group g holds the coordinates group_indices[group_pointers[g] ..
 * group_pointers[g+1]); groups must be non-empty and disjoint.
 *
 *  kind            f(x)                                         scalars            a / b
 *  "zero"          0                                            -                  -
 *  "l1"            λ Σ w_i |x_i|                                λ                  a = w (optional)
 *  "l2_squared"    (λ/2) Σ w_i x_i²                             λ                  a = w (optional)
 *  "l2"            λ ||x||_2                                    λ                  -
 *  "group_l2"      λ Σ_g w_g ||x_g||_2        (needs groups)    λ                  a = w_g per group (optional, default sqrt|g|)
 *  "sparse_group"  λ1 ||x||_1 + λ2 Σ_g w_g ||x_g||_2 (groups)   λ1, λ2             a = w_g per group (optional)
 *  "elastic_net"   α Σ w_i (ρ|x_i| + (1-ρ)/2 x_i²)              α, ρ ∈ [0,1]       a = w (optional)
 *  "linf"          λ ||x||_∞                                    λ                  -
 *  "box"           indicator of l ≤ x ≤ u                       -                  a = l, b = u (length 1 or n)
 *  "nonnegative"   indicator of x ≥ 0                           -                  -
 *  "l2_ball"       indicator of ||x||_2 ≤ r                     r                  -
 *  "linf_ball"     indicator of ||x||_∞ ≤ r                     r                  -
 *  "l1_ball"       indicator of ||x||_1 ≤ r  (Condat 2016)      r                  -
 *  "simplex"       indicator of x ≥ 0, Σ x = s (Condat 2016)    s > 0              -
 *  "hyperplane"    indicator of aᵀx = b                         b                  a (nonzero)
 *  "halfspace"     indicator of aᵀx ≤ b                         b                  a (nonzero)
 *  "tv1d"          λ Σ |x_{i+1} - x_i|       (Condat 2013)      λ                  -
 *  "huber"         λ Σ huber_δ(x_i)                             λ, δ > 0           -
 *  "hinge"         λ Σ max(0, 1 - y_i x_i)                      λ                  a = y (optional, default 1)
 *  "l0"            λ ||x||_0                 (nonconvex)        λ                  -
 *  "mcp"           MCP(λ, γ)                 (nonconvex)        λ, γ > 0           -
 *  "scad"          SCAD(λ, a)                (nonconvex)        λ, a > 2           -
 *  "nuclear"       λ ||X||_*  (matrix; SVT via LAPACK dgesdd)   λ                  -
 *  "psd"           indicator of the PSD cone (matrix; dsyevd)   -                  -
 *
 * On success *out receives a handle to release with ns_prox_destroy.
 */
ns_status ns_prox_create(const char *kind,
                         const double *scalars, int64_t n_scalars,
                         const double *a, int64_t n_a,
                         const double *b, int64_t n_b,
                         const int64_t *group_pointers, int64_t n_group_pointers,
                         const int64_t *group_indices, int64_t n_group_indices,
                         ns_prox **out);

/* Releases a handle (NULL is ignored). */
void ns_prox_destroy(ns_prox *prox);

/* *out = 1 for matrix operators, 0 for vector operators. */
ns_status ns_prox_is_matrix(const ns_prox *prox, int32_t *out);

/*
 * out = prox_{step f}(v) for the rows×columns array v[i*row_stride + j*column_stride].
 * `out` is contiguous row-major with rows*columns entries and must not overlap v.
 * step must be positive and finite.
 */
ns_status ns_prox_apply(const ns_prox *prox, double step,
                        const double *v, int64_t rows, int64_t columns,
                        int64_t row_stride, int64_t column_stride,
                        double *out);

/*
 * f at each row of x (vector operators: `values` receives `rows` entries) or at
 * the matrix x (matrix operators: one entry). Indicators give 0 or +inf.
 */
ns_status ns_prox_value(const ns_prox *prox,
                        const double *x, int64_t rows, int64_t columns,
                        int64_t row_stride, int64_t column_stride,
                        double *values);

/*
 * One element of the subdifferential ∂f at each row of x (or at the matrix x):
 * the element of minimal norm for convex f, so that a zero output certifies a
 * minimizer; the minimal-norm limiting subgradient for "l0", "mcp", "scad".
 * NS_INVALID_ARGUMENT if x is outside the domain of f.
 */
ns_status ns_prox_subgradient(const ns_prox *prox,
                              const double *x, int64_t rows, int64_t columns,
                              int64_t row_stride, int64_t column_stride,
                              double *out);

/* ---- Elastic net / Lasso by coordinate descent ---------------------------------- */

/*
 * Solves, in scikit-learn's scaling (so alpha and tol mean what they mean there),
 *
 *     min_{β, b} (1/2n) ||y - Xβ - b||² + α Σ_j w_j (ρ|β_j| + (1-ρ)/2 β_j²)   [β ≥ 0 if positive]
 *
 * with per-feature weights w (NULL: all 1; w_j = 0 leaves feature j unpenalized),
 * ρ = l1_ratio ∈ (0, 1] (1: Lasso) and an intercept b when fit_intercept.
 * Coordinate descent with working sets, Gap Safe screening and Anderson
 * extrapolation (the options bits below), stopping when the duality gap is at
 * most tol·||y||²/n (y centred when fitting an intercept).
 *
 * X is n×p: dense with element strides (copied to column-major only when its
 * columns are not contiguous), or CSC as SciPy stores it (data, indices, indptr
 * with int64 indices; never densified). y has n entries.
 * coef (p entries) holds the warm start on entry when warm_start != 0 and the
 * solution on exit; *intercept receives b. info (5 entries, may be NULL)
 * receives: [duality gap, gap tolerance, epochs, 1 if the Gram variant ran,
 * number of features discarded by screening].
 * Returns NS_NOT_CONVERGED when max_iter epochs did not reach the tolerance and
 * NS_CANCELLED when the callback asked to stop; in both cases coef, intercept
 * and info hold the last iterate and its certificate.
 * gram: -1 chooses automatically (dense, n ≥ 4p), 0 never, 1 always.
 */
#define NS_CD_WORKING_SETS   1
#define NS_CD_SCREENING      2
#define NS_CD_EXTRAPOLATION  4
#define NS_CD_DEFAULT        (NS_CD_WORKING_SETS | NS_CD_SCREENING | NS_CD_EXTRAPOLATION)

ns_status ns_enet_fit_dense(const double *X, int64_t n, int64_t p, int64_t row_stride, int64_t column_stride,
                            const double *y, double alpha, double l1_ratio, const double *weights,
                            int32_t positive, int32_t fit_intercept, double tol, int64_t max_iter,
                            int32_t options, int32_t gram,
                            double *coef, int32_t warm_start, double *intercept, double *info,
                            ns_progress_callback callback, void *context, int64_t callback_every);

ns_status ns_enet_fit_csc(const double *data, const int64_t *indices, const int64_t *indptr, int64_t nnz,
                          int64_t n, int64_t p,
                          const double *y, double alpha, double l1_ratio, const double *weights,
                          int32_t positive, int32_t fit_intercept, double tol, int64_t max_iter,
                          int32_t options,
                          double *coef, int32_t warm_start, double *intercept, double *info,
                          ns_progress_callback callback, void *context, int64_t callback_every);

/*
 * The smallest α for which every penalized coefficient is 0 at the optimum:
 * max_j |x_jᵀ r0| / (n ρ w_j) over penalized features, r0 the residual of the
 * unpenalized part (intercept, w_j = 0 features). Columns centred when fitting
 * an intercept.
 */
ns_status ns_enet_alpha_max_dense(const double *X, int64_t n, int64_t p, int64_t row_stride, int64_t column_stride,
                                  const double *y, double l1_ratio, const double *weights,
                                  int32_t positive, int32_t fit_intercept, double *out);

ns_status ns_enet_alpha_max_csc(const double *data, const int64_t *indices, const int64_t *indptr, int64_t nnz,
                                int64_t n, int64_t p, const double *y, double l1_ratio, const double *weights,
                                int32_t positive, int32_t fit_intercept, double *out);

#ifdef __cplusplus
}
#endif

#endif /* NONSMOOTH_H */
