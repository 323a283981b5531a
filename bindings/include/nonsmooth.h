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
 *   sizes (element counts above 2^31·64, strides whose farthest entry is not
 *   addressable), NaN parameters, mismatched lengths all give
 *   NS_INVALID_ARGUMENT. (Pointers must of course point to as many elements
 *   as their sizes say.)
 * - Handles (ns_prox*, ns_graph*, ns_program*, ns_optimizer*) are checked
 *   on every use: they are ids in a registry of live objects, never reused, not
 *   addresses. A handle that was destroyed, never created, or is of another
 *   kind gives NS_INVALID_ARGUMENT, from ns_*_destroy too (destroying twice is
 *   reported, never a double free). A call in flight keeps its object alive
 *   even if another thread destroys the handle meanwhile.
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
#define NS_KINK             7  /* strict kink policy: the point lies on a kink     */

/* Thread-local description of the last failure on this thread ("" after success). */
const char *ns_last_error_message(void);

/* Library version, e.g. "0.1.0". Static storage; never NULL. */
const char *ns_version(void);

/*
 * Threads of the BLAS/LAPACK calls inside the core (process-wide; OpenBLAS's
 * setting). The Python package sets 1 at import unless NONSMOOTH_NUM_THREADS
 * says otherwise: parallelism comes from running solves in parallel threads.
 */
ns_status ns_set_num_threads(int32_t n);
int32_t ns_get_num_threads(void);

/*
 * Threads of the autodiff engine's large matrix products (ns_program_*,
 * ns_train). A product of at least 2^22 multiply-adds is computed as at most 8
 * panels of its longer output dimension (64 rows or columns at least), always
 * the same panels for the same shape, so the result does not depend on the
 * thread count; the panels run on up to n threads (default, or n = 0: the CPUs
 * of the process's affinity mask) when no other autodiff call is running in the
 * process at that moment and ns_get_num_threads() is 1, else on the calling
 * thread. n = 1 keeps every product on the calling thread.
 */
ns_status ns_set_autodiff_threads(int32_t n);
int32_t ns_get_autodiff_threads(void);

/* Number of live handles of every kind (created and not yet destroyed): for leak checks. */
int64_t ns_live_handles(void);

/* ---- Progress and cancellation -------------------------------------------- */

/*
 * Long-running loops (solvers, training) take an optional callback, called
 * every `every` iterations with the iteration count and the current value of
 * the stopping certificate (duality gap, KKT residual, ...). Returning a
 * non-zero value stops the loop, which then returns NS_CANCELLED with its
 * outputs holding the last iterate. The callback is called on the thread that
 * runs the loop; the Python extension uses it to re-take the GIL, check for
 * Ctrl-C and drive progress displays. A NULL callback is never called.
 * Between the regular calls, once 20 ms have passed since the last one, the
 * generic solvers and tuning loops (not the coordinate-descent fits, whose
 * epochs are the unit of work) also call it with iteration = -1: a
 * cancellation check only, so that a loop whose `every` iterations are slow
 * still stops promptly; the certificate is then not meaningful.
 */
typedef int32_t (*ns_progress_callback)(void *context, int64_t iteration, double certificate);

/*
 * Computations that take no progress callback (the autodiff evaluations and
 * derivatives, ns_program_*) poll this process-wide check between primitives,
 * at most every 20 ms, on the thread that runs them; a non-zero return stops
 * them with NS_CANCELLED (outputs unspecified). NULL (the default) disables it.
 * The Python extension installs a check that takes the GIL and looks for
 * Ctrl-C. Set it before any computation runs.
 */
void ns_set_interrupt_check(int32_t (*check)(void));

/* ---- Matrices ------------------------------------------------------------------ */

/*
 * A read-only n×p matrix described once for entry points that accept either a
 * dense or a sparse matrix (the smooth losses of the generic solvers):
 *   NS_MATRIX_DENSE  entry (i, j) is values[i*row_stride + j*column_stride]
 *                    (strides in elements, as everywhere); indices, indptr and
 *                    nnz are unused (NULL / 0). Every entry must be finite.
 *   NS_MATRIX_CSC    compressed sparse columns as SciPy stores them, with int32
 *                    row indices and int64 column pointers: column j holds
 *                    values[k] at row indices[k] for k in [indptr[j], indptr[j+1]);
 *                    indptr has p + 1 entries, values and indices nnz (NULL
 *                    allowed when nnz = 0). Rows strictly increase within a
 *                    column (SciPy's canonical format: sorted, no duplicates);
 *                    n ≤ 2³¹ − 1. Strides are unused. Read in place, never
 *                    densified.
 * Every index is checked before use: a malformed matrix gives NS_INVALID_ARGUMENT
 * with a message naming the argument and the array ("A: indices entry 3 is 9,
 * outside [0, 5) (column 1)").
 * The layout is part of the ABI: 72 bytes, fields in this order (reserved = 0).
 */
#define NS_MATRIX_DENSE 0
#define NS_MATRIX_CSC   1

typedef struct ns_matrix {
    int32_t format;
    int32_t reserved;
    int64_t rows, columns;
    const double *values;
    int64_t row_stride, column_stride;
    const int32_t *indices;
    const int64_t *indptr;
    int64_t nnz;
} ns_matrix;

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

/* Releases a handle (NULL is ignored: NS_OK). See "Handles" above. */
ns_status ns_prox_destroy(ns_prox *prox);

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
 * X is n×p: dense with element strides (read in place in Fortran or C order;
 * copied to column-major only when neither its columns nor its rows are
 * contiguous), or CSC as SciPy stores it (data, int32 row indices sorted within
 * each column, int64 indptr; never densified). y has n entries. Non-finite
 * entries of X or y give NS_INVALID_ARGUMENT naming them (checked in the pass
 * that computes the column norms; no separate scan is needed).
 * sample_weight (NULL: none; else n entries ≥ 0, not all 0) weights the
 * squared residuals: (1/2n) Σ s_i (y_i - x_iᵀβ - b)², s rescaled to sum to n
 * as scikit-learn does. X is not copied: the core reads it through a weighted
 * view (dense X centred by the weighted means; sparse X keeps its sparsity and
 * the intercept is the coefficient of one more unpenalized column √s, so
 * positive with fit_intercept is refused there). tol keeps its meaning
 * (||y||² weighted and centred).
 * coef (p entries) holds the warm start on entry when warm_start != 0 and the
 * solution on exit; *intercept receives b. info (6 entries, may be NULL)
 * receives: [duality gap, gap tolerance, epochs, 1 if a Gram form ran,
 * number of features discarded by screening, rows written to history].
 * history (may be NULL) receives up to history_capacity rows (epoch, duality
 * gap), row-major: the full-problem gaps the solver evaluated (coordinate
 * descent: at each working-set update; ADMM: every few iterations, the epoch
 * column then counting ADMM iterations), in the scaling of info[0], clipped at
 * 0, one row per epoch (the last evaluation at that epoch), the last row being
 * (info[2], info[0]): the returned certificate. When they do not fit, the first
 * history_capacity - 1 rows and the last are kept. The solver evaluates these
 * gaps anyway: asking for them costs a copy.
 * Returns NS_NOT_CONVERGED when max_iter epochs did not reach the tolerance and
 * NS_CANCELLED when the callback asked to stop; in both cases coef, intercept
 * and info hold the last iterate and its certificate.
 * gram: -1 chooses automatically (dense X: the Gram form of a working set, or
 * of all features, once the work so far has cost as much as forming it;
 * n ≥ 4·|working set|), 0 never, 1 always (the full XᵀX from the start).
 */
#define NS_CD_WORKING_SETS   1
#define NS_CD_SCREENING      2
#define NS_CD_EXTRAPOLATION  4
#define NS_CD_DEFAULT        (NS_CD_WORKING_SETS | NS_CD_SCREENING | NS_CD_EXTRAPOLATION)
/* Solve by ADMM instead of coordinate descent (Boyd et al. 2011: cached Cholesky of
   XᵀX/n + ρI or of I + XXᵀ/(nρ), over-relaxation, residual balancing), stopping on
   the same duality gap; "epochs" in info are then ADMM iterations. */
#define NS_SOLVER_ADMM       8

ns_status ns_enet_fit_dense(const double *X, int64_t n, int64_t p, int64_t row_stride, int64_t column_stride,
                            const double *y, const double *sample_weight, double alpha, double l1_ratio, const double *weights,
                            int32_t positive, int32_t fit_intercept, double tol, int64_t max_iter,
                            int32_t options, int32_t gram,
                            double *coef, int32_t warm_start, double *intercept, double *info,
                            double *history, int64_t history_capacity,
                            ns_progress_callback callback, void *context, int64_t callback_every);

ns_status ns_enet_fit_csc(const double *data, const int32_t *indices, const int64_t *indptr, int64_t nnz,
                          int64_t n, int64_t p,
                          const double *y, const double *sample_weight, double alpha, double l1_ratio, const double *weights,
                          int32_t positive, int32_t fit_intercept, double tol, int64_t max_iter,
                          int32_t options,
                          double *coef, int32_t warm_start, double *intercept, double *info,
                          double *history, int64_t history_capacity,
                          ns_progress_callback callback, void *context, int64_t callback_every);

/*
 * The smallest α for which every penalized coefficient is 0 at the optimum:
 * max_j |x_jᵀ r0| / (n ρ w_j) over penalized features, r0 the residual of the
 * unpenalized part (intercept, w_j = 0 features). Columns centred when fitting
 * an intercept; sample_weight (NULL or n entries) as in ns_enet_fit_dense.
 */
ns_status ns_enet_alpha_max_dense(const double *X, int64_t n, int64_t p, int64_t row_stride, int64_t column_stride,
                                  const double *y, const double *sample_weight, double l1_ratio, const double *weights,
                                  int32_t positive, int32_t fit_intercept, double *out);

ns_status ns_enet_alpha_max_csc(const double *data, const int32_t *indices, const int64_t *indptr, int64_t nnz,
                                int64_t n, int64_t p, const double *y, const double *sample_weight,
                                double l1_ratio, const double *weights,
                                int32_t positive, int32_t fit_intercept, double *out);

/* ---- Bilevel tuning: hypergradients of Lasso-type models -------------------------- */

/*
 * The derivative of θ ↦ C(β̂(θ)), a criterion of the solution of
 *
 *     β̂(θ) = argmin_β (1/2n) ||y - X_c β||² + Σ_j λ1_j |β_j| + (λ2/2) ||β||²
 *
 * (X_c = X - 1·meansᵀ when means != NULL: the implicitly centred design of a
 * model with an intercept; X itself otherwise), with respect to
 *     NS_HG_LASSO           θ = log α,          λ1_j = α w_j:  1 hyperparameter;
 *     NS_HG_ELASTIC_NET     θ = (log λ1, log λ2), λ1_j = λ1 w_j: 2 (λ2 > 0);
 *     NS_HG_WEIGHTED_LASSO  θ_j = log λ1_j:                  p hyperparameters.
 * l1 holds the p values λ1_j ≥ 0 at the current θ, l2 the value λ2 ≥ 0.
 *
 * beta is the inner solution β̂ (p entries, e.g. from ns_enet_fit_*: α = Σ-form
 * of scikit-learn, see the Python layer) and criterion_gradient is ∇_β C at β̂.
 * On the support S = {j : β̂_j ≠ 0} the optimality condition gives
 *     (X_c,Sᵀ X_c,S / n + λ2 I) ∂β̂_S/∂θ = -B,  ∂C/∂θ = ∇C_Sᵀ ∂β̂_S/∂θ,
 * a system of size |S|, never p (Bertrand et al., JMLR 2022; at breakpoints an
 * element of the conservative Jacobian of Bolte, Le, Pauwels & Silveti-Falls 2021).
 *
 * method: NS_HG_IMPLICIT          Cholesky on S (|S| ≤ cholesky_max) or Jacobi-CG;
 *         NS_HG_IMPLICIT_FORWARD  Gauss–Seidel / forward-mode CD of the Jacobian on
 *                                 S at the fixed β̂, warm-started from warm_jacobian
 *                                 (rows: features warm_support, increasing; columns:
 *                                 1, 2, or warm_support itself for the weighted Lasso);
 *         NS_HG_FORWARD           forward mode through cyclic CD from β = 0;
 *         NS_HG_REVERSE           reverse mode through the unrolled CD iterations.
 * tol / max_iter: tolerance and budget of the iterative methods (see
 * HypergradientOptions in the Swift core). equicorrelation_tol: j ∉ S is in the
 * equicorrelation set E when |x_c,jᵀ r|/n ≥ λ1_j (1 - tol). rcond_threshold: a
 * system with a smaller reciprocal condition estimate is singular. ridge_scale:
 * ε = ridge_scale · mean(diag A) for the ridge fallback.
 *
 * Outputs: hypergradient (1, 2 or p entries; 0 off the support for the weighted
 * Lasso); jacobian (may be NULL; implicit forward only) receives the |S| × q
 * Jacobian on the support, row-major (q = 1, 2 or |S|), capacity in entries;
 * diagnostics (NS_HG_DIAGNOSTICS entries, may be NULL):
 *   [0] |S|   [1] |E|   [2] A_S invertible (1/0)   [3] A_E invertible (1/0)
 *   [4] rcond estimate of A_S   [5] of A_E   [6] fallback: 0 none, 1 strict support
 *   (A_E singular, A_S not), 2 ridge (A_S singular; A_S + εI used)   [7] ε
 *   [8] solver: -1 none, 0 Cholesky, 1 CG, 2 forward iterations on S, 3 unrolled CD
 *   [9] iterations   [10] final relative residual / change   [11] KKT violation of
 *   β̂ on S, relative to λ1   [12] ||β_K - β̂||∞ of forward/reverse   [13] converged.
 * Returns NS_NOT_CONVERGED (outputs written) when the iterative method did not
 * reach tol in max_iter, NS_NUMERICAL_ERROR when the system cannot be solved even
 * with the fallback (never a silent zero or NaN), NS_CANCELLED from the callback.
 */
#define NS_HG_LASSO            0
#define NS_HG_ELASTIC_NET      1
#define NS_HG_WEIGHTED_LASSO   2

#define NS_HG_IMPLICIT         0
#define NS_HG_IMPLICIT_FORWARD 1
#define NS_HG_FORWARD          2
#define NS_HG_REVERSE          3

#define NS_HG_DIAGNOSTICS      14

ns_status ns_bilevel_hypergradient_dense(
    const double *X, int64_t n, int64_t p, int64_t row_stride, int64_t column_stride,
    const double *y, const double *means, const double *beta, const double *criterion_gradient,
    const double *l1, double l2, int32_t model, int32_t method,
    double tol, int64_t max_iter, double equicorrelation_tol, double rcond_threshold,
    int64_t cholesky_max, double ridge_scale,
    const int64_t *warm_support, int64_t warm_count, const double *warm_jacobian,
    double *hypergradient, double *jacobian, int64_t jacobian_capacity, double *diagnostics,
    ns_progress_callback callback, void *context, int64_t callback_every);

ns_status ns_bilevel_hypergradient_csc(
    const double *data, const int32_t *indices, const int64_t *indptr, int64_t nnz, int64_t n, int64_t p,
    const double *y, const double *means, const double *beta, const double *criterion_gradient,
    const double *l1, double l2, int32_t model, int32_t method,
    double tol, int64_t max_iter, double equicorrelation_tol, double rcond_threshold,
    int64_t cholesky_max, double ridge_scale,
    const int64_t *warm_support, int64_t warm_count, const double *warm_jacobian,
    double *hypergradient, double *jacobian, int64_t jacobian_capacity, double *diagnostics,
    ns_progress_callback callback, void *context, int64_t callback_every);

/* ---- Generic solvers: proximal gradient, subgradient method, ADMM ---------------- */

/*
 * The smooth loss f of the generic solvers is named by `loss` on a design A
 * (n×p, an ns_matrix: dense or CSC, read in place) and a vector b (n entries):
 *   "least_squares"  f(x) = ||Ax - b||² / (2n)
 *   "logistic"       f(x) = mean log(1 + exp(-b_i (Ax)_i)),  b_i ∈ {-1, +1}
 *   "huber"          f(x) = mean huber_δ((Ax - b)_i)
 * `lipschitz` is the Lipschitz constant of ∇f, or NaN to estimate it (power
 * iteration on AᵀA by products with A and Aᵀ, so sparse A stays sparse).
 * The regularizer g is any vector ns_prox. x (p entries) holds the starting
 * point on entry when warm_start != 0 and the answer on exit.
 * NS_NOT_CONVERGED / NS_CANCELLED leave the last iterate and its certificate in
 * the outputs.
 */

/*
 * min f(x) + g(x) by ISTA (method 0) or FISTA (method 1) (Beck & Teboulle 2009).
 * A matrix operator g ("nuclear", "psd") acts on x = vec(X) of the row-major
 * matrix X with `matrix_rows` rows (p / matrix_rows columns); pass 0 otherwise.
 * step_rule: 0 = 1/L, 1 = constant step_value, 2 = backtracking from step_value
 * (NaN: from 1/L) with factors shrink ∈ (0,1) and growth ≥ 1.
 * restart (FISTA): 0 none, 1 function value, 2 gradient (O'Donoghue & Candès 2015).
 * Stops when the prox-gradient mapping norm ||x - prox_{tg}(x - t∇f(x))||/t ≤ tol
 * (times max(1, ||∇f(x0)||) when relative_tol). history (capacity entries, may be
 * NULL) receives F(x_k). info (9 entries): objective, certificate, certificate
 * tolerance, iterations, final step, restarts, backtracks, gradient evaluations,
 * number of history entries written.
 */
ns_status ns_prox_gradient(const char *loss, const ns_matrix *A, const double *b, double delta,
                           double lipschitz, const ns_prox *g, int64_t matrix_rows, int32_t method, int32_t step_rule,
                           double step_value, double shrink, double growth, int32_t restart, double tol,
                           int32_t relative_tol, int64_t max_iter, double *x, int32_t warm_start,
                           double *history, int64_t history_capacity, double *info,
                           ns_progress_callback callback, void *context, int64_t callback_every);

/*
 * The subgradient method x_{k+1} = x_k - α_k s_k, s_k ∈ ∂(f + g)(x_k).
 * rule: 0 constant α = p1, 1 constant length p1/||s||, 2 diminishing p1/sqrt(k+1),
 * 3 square summable p1/(p2 + k), 4 Polyak with F* = p1 (stops when F_best - F* ≤ tol),
 * 5 Polyak with estimated F* (target level δ = p1).
 * x receives the best iterate, `average` the step-weighted average iterate.
 * info (7 entries): best objective, best iteration, average objective, minimal
 * subgradient norm seen, KKT residual at the best iterate (NaN if L unknown),
 * iterations, history entries written. Running out of iterations is not an
 * error here: the method has no certificate to reach.
 */
ns_status ns_subgradient_method(const char *loss, const ns_matrix *A, const double *b, double delta,
                                double lipschitz, const ns_prox *g, int32_t rule, double p1, double p2,
                                double tol, int64_t max_iter, double *x, int32_t warm_start, double *average,
                                double *history, int64_t history_capacity, double *info,
                                ns_progress_callback callback, void *context, int64_t callback_every);

/*
 * min f(x) + g(z) s.t. x = z by scaled over-relaxed ADMM with residual balancing
 * (Boyd et al. 2011), f and g given by their prox. penalty: initial ρ (NaN: 1).
 * z (dimension entries) holds the starting point when warm_start and the answer;
 * x receives the x-iterate. info (7 entries): objective, primal residual, dual
 * residual, primal tolerance, dual tolerance, final ρ, iterations.
 */
ns_status ns_admm(const ns_prox *f, const ns_prox *g, int64_t dimension, double penalty, double relaxation,
                  double absolute_tol, double relative_tol, int32_t residual_balancing, int64_t max_iter,
                  double *z, int32_t warm_start, double *x, double *info,
                  ns_progress_callback callback, void *context, int64_t callback_every);

/* ---- Generalized linear models: one coordinate-descent engine ---------------- */

/*
 * min over β (p entries) and an optional intercept b of
 *     F(Xβ + b·1) + Σ_j p_j(β_j)
 * by coordinate descent on working sets with Anderson extrapolation, for any
 * datafit × separable penalty × design (X: an ns_matrix, dense or CSC).
 *
 *  datafit                 F(η), S = Σ s_i (s_i = 1 without sample weights)
 *  NS_DATAFIT_QUADRATIC 0  Σ s_i (y_i - η_i)² / (2S)
 *  NS_DATAFIT_LOGISTIC  1  Σ s_i log(1 + exp(-y_i η_i)) / S,   y_i ∈ {-1, +1}
 *  NS_DATAFIT_HUBER     2  Σ s_i h_δ(y_i - η_i) / S, h_δ(r) = r²/2 (|r| ≤ δ), δ|r| - δ²/2 beyond;
 *                          δ = datafit_param > 0
 *  NS_DATAFIT_POISSON   3  Σ s_i (exp(η_i) - y_i η_i) / S,      y_i ≥ 0
 *
 *  penalty                 p_j(b)                                   alpha / param / arrays
 *  NS_PENALTY_L1       0   λ w_j |b|  (w_j = 0: unpenalized)         λ / - / feature_weights (optional)
 *  NS_PENALTY_ENET     1   λ w_j (ρ|b| + (1-ρ) b²/2)                 λ / ρ ∈ [0,1] / feature_weights
 *  NS_PENALTY_BOX      2   indicator of lower_j ≤ b ≤ upper_j       - / - / lower, upper (bounds_length 1 or p)
 *  NS_PENALTY_MCP      3   minimax concave penalty (Zhang 2010)     λ / γ > 1
 *  NS_PENALTY_SCAD     4   SCAD (Fan & Li 2001)                     λ / a > 2
 *  NS_PENALTY_L0       5   λ [b ≠ 0]                                λ
 *  NS_PENALTY_GROUP_LASSO        6   λ Σ_g w_g ‖β_g‖₂ (w_g = 0: unpenalized)   λ / - / groups, group_weights
 *  NS_PENALTY_SPARSE_GROUP_LASSO 7   λ Σ_g (ρ‖β_g‖₁ + (1-ρ) w_g ‖β_g‖₂)       λ / ρ ∈ [0,1] / groups, group_weights
 * The block penalties 6 and 7 need the group fields (size ≥ 136): the groups
 * partition the features (group g holds group_indices[group_pointers[g] ..
 * group_pointers[g+1]), every feature exactly once), group_weights has n_groups
 * entries or is NULL (all 1); they are solved by block coordinate descent with
 * L_g = λ_max(X_gᵀ H X_g), and return whole groups of exact zeros.
 * NS_GLM_POSITIVE adds b ≥ 0 to L1 and elastic net.
 *
 * The certificate (result->certificate_kind) is the duality gap for convex
 * pairs whose conjugates allow one (every coordinate penalized, bounded boxes),
 * otherwise the KKT violation max_j dist(-∂F/∂β_j, ∂p_j(β_j)) (and |∂F/∂b|).
 * Both are absolute, in the units of the objective; the fit stops when the
 * certificate is ≤ tol. NS_NOT_CONVERGED (epoch budget max_iter exhausted) and
 * NS_CANCELLED leave the state reached and its certificate in every output.
 * coef (p entries) holds the warm start on entry with NS_GLM_WARM_START (and
 * *intercept the intercept's), and the answer on exit; returned zeros are the
 * solver's exact zeros. history (may be NULL) receives up to history_capacity
 * rows (epoch, certificate), the last being the returned point's.
 */
#define NS_DATAFIT_QUADRATIC 0
#define NS_DATAFIT_LOGISTIC  1
#define NS_DATAFIT_HUBER     2
#define NS_DATAFIT_POISSON   3

#define NS_PENALTY_L1   0
#define NS_PENALTY_ENET 1
#define NS_PENALTY_BOX  2
#define NS_PENALTY_MCP  3
#define NS_PENALTY_SCAD 4
#define NS_PENALTY_L0   5
#define NS_PENALTY_GROUP_LASSO        6
#define NS_PENALTY_SPARSE_GROUP_LASSO 7

#define NS_GLM_FIT_INTERCEPT   1
#define NS_GLM_POSITIVE        2
#define NS_GLM_WARM_START      4
#define NS_GLM_NO_WORKING_SETS 8
#define NS_GLM_NO_PROX_NEWTON  16  /* logistic: plain coordinate descent instead of proximal Newton steps */
#define NS_GLM_NO_SCREENING    32  /* no Gap Safe screening (convex pairs with a duality gap; not Poisson) */

/* Layout part of the ABI (144 bytes; 104 without the group fields, 136 without datafit_param, which
   the Huber datafit needs); size = sizeof(ns_glm_options). */
typedef struct ns_glm_options {
    int64_t size;
    int32_t datafit, penalty;
    double alpha;                    /* penalty strength λ                              */
    double param;                    /* ρ (elastic net), γ (MCP), a (SCAD)              */
    const double *feature_weights;   /* p entries or NULL                               */
    const double *lower, *upper;     /* box bounds                                      */
    int64_t bounds_length;
    const double *sample_weights;    /* n entries or NULL                               */
    double tol;
    int64_t max_iter;                /* budget of epochs                                */
    int32_t flags;
    int32_t anderson_depth;          /* extrapolation depth K (0: off; -1: default 5)   */
    int64_t progress_every;          /* epochs between progress callbacks               */
    const int64_t *group_pointers;   /* n_groups + 1 entries (block penalties only)     */
    const int64_t *group_indices;    /* p entries                                       */
    int64_t n_groups;
    const double *group_weights;     /* n_groups entries or NULL                        */
    double datafit_param;            /* δ (Huber)                                       */
} ns_glm_options;

/* Layout part of the ABI (72 bytes; `screened` is written only when size ≥ 72);
   set size = sizeof(ns_glm_result) before the call. */
typedef struct ns_glm_result {
    int64_t size;
    double certificate;              /* duality gap or KKT violation at the answer      */
    double kkt_violation;            /* the KKT violation, whatever the certificate     */
    double objective;                /* primal objective                                */
    double dual_objective;           /* best dual objective (-inf with a KKT certificate) */
    int64_t n_iter;                  /* epochs run                                      */
    int32_t certificate_kind;        /* 0 duality gap, 1 KKT violation                  */
    int32_t status;                  /* 0 converged, 1 not converged, 2 cancelled       */
    int64_t history_length;          /* rows written into history                       */
    int64_t screened;                /* features removed by Gap Safe screening          */
} ns_glm_result;

ns_status ns_glm_fit(const ns_matrix *X, const double *y, const ns_glm_options *options, double *coef,
                     double *intercept, double *history, int64_t history_capacity, ns_glm_result *result,
                     ns_progress_callback callback, void *context);

/*
 * Multi-task least squares with the l2,1 row penalty (MultiTaskLasso / MultiTaskElasticNet):
 * min over W (p×T) and b (T) of
 *     Σ_i s_i ||Y_i - x_i W - b||² / (2S) + λ Σ_j (ρ ||W_j||₂ + (1-ρ) ||W_j||₂² / 2)
 * by block coordinate descent over the rows W_j, on working sets, with Anderson
 * extrapolation; the intercept is exact at every step (b = weighted mean of Y − X W).
 * Y (n×T), coef (p×T, warm start in with NS_GLM_WARM_START, answer out) are
 * C-contiguous (row-major); intercept has T entries. Flags: NS_GLM_FIT_INTERCEPT,
 * NS_GLM_WARM_START, NS_GLM_NO_WORKING_SETS. The result is an ns_glm_result: the
 * certificate is the duality gap (λ > 0; the KKT violation when λ = 0), absolute,
 * in the units of the objective; zero rows of coef are exact. Statuses as ns_glm_fit.
 * Layout part of the ABI (72 bytes); size = sizeof(ns_multitask_options).
 */
typedef struct ns_multitask_options {
    int64_t size;
    int64_t tasks;                   /* T ≥ 1                                           */
    double alpha;                    /* λ ≥ 0                                           */
    double l1_ratio;                 /* ρ ∈ [0, 1]                                      */
    const double *sample_weights;    /* n entries or NULL                               */
    double tol;
    int64_t max_iter;                /* budget of epochs                                */
    int32_t flags;
    int32_t anderson_depth;          /* extrapolation depth K (0: off; -1: default 5)   */
    int64_t progress_every;          /* epochs between progress callbacks               */
} ns_multitask_options;

ns_status ns_multitask_fit(const ns_matrix *X, const double *Y, const ns_multitask_options *options, double *coef,
                           double *intercept, double *history, int64_t history_capacity, ns_glm_result *result,
                           ns_progress_callback callback, void *context);

/* ---- Conservative automatic differentiation --------------------------------- */

/*
 * A program is built node by node in an ns_graph, compiled once into an
 * immutable ns_program, then evaluated and differentiated any number of times
 * (buffers are planned once and reused; programs are thread-safe). Arrays are
 * N-D, contiguous row-major; elementwise operations broadcast like NumPy.
 *
 * Precision. ns_program_evaluate, ns_program_vjp and ns_train take an ns_dtype:
 * every buffer of the call (arguments, cotangents, gradients, outputs) then
 * holds float64 (double) or float32 (float) numbers, and the program runs in
 * that precision end to end (elementwise kernels, sgemm or dgemm, the reverse
 * pass); graph constants and float attributes are rounded to it. Kink
 * decisions are made on the exact value of each element, so a float32 and a
 * float64 evaluation at the same float32 numbers report the same kinks where
 * the intermediate values agree. The other derivative functions (jvp, hvp,
 * jacobian, lexicographic) take float64 buffers.
 *
 * Every graph function returns the new value's id in *out_id; ids are the
 * operands of later calls and the outputs of ns_program_create. Shape errors
 * are reported at this point (NS_INVALID_ARGUMENT naming the operation and the
 * shapes). No array a graph creates may exceed 2^31 elements. A graph is
 * guarded by a lock: calls on one graph from several threads are safe but
 * serialized.
 *
 * Kinks. At a point where a primitive is not differentiable, the derivative
 * used is an element of a conservative gradient chosen by the kink policy:
 *   relu_at_zero  s ∈ [0, 1]: every jump of slope between 0 and 1 — relu at 0,
 *                 maximum/minimum at ties (s to the first operand, 1 − s to
 *                 the second), clip at both bounds, soft_threshold at ±t,
 *                 hinge at 1 (−s), leaky_relu at 0 (α + (1 − α)s);
 *   abs_at_zero   ∈ [−1, 1]: abs at 0, norm1's zero entries, norm_inf at 0;
 *   ties          NS_TIES_LOWEST_INDEX or NS_TIES_SPLIT: max/min reductions,
 *                 norm_inf, sort and max pooling;
 *   norm2_at_zero c ∈ [−1, 1]: norm2 at 0 has subgradient c·(1, …, 1)/√n;
 *   strict        nonzero: an evaluation landing on a kink or a singular point
 *                 (sqrt/log/division at 0, which otherwise use derivative 0)
 *                 fails with NS_KINK instead.
 * A NULL policy means all zeros, ties to the lowest index, not strict.
 *
 * Kink reports. Every evaluation function takes (char *kinks, int64_t
 * kinks_capacity); when kinks is not NULL it receives the NUL-terminated text
 * "label=count;label=count" listing, in program order, how many elements of
 * each primitive landed exactly on a kink ("" when none did). Labels are the
 * operation names below (gathers carry their own label). Entries that do not
 * fit end the text with "...". The text is "" after a failure.
 *
 * Buffer lists. Arguments, outputs, cotangents, ... are passed as an array of
 * pointers with an array of sizes (element counts); each size must equal the
 * program's count for that slot (query with ns_program_shape). A zero-size
 * buffer may be NULL; lists documented as "may hold NULL" treat NULL as zero.
 */
typedef struct ns_graph ns_graph;
typedef struct ns_program ns_program;

typedef int32_t ns_dtype;
#define NS_FLOAT64 0   /* buffers of double */
#define NS_FLOAT32 1   /* buffers of float  */

#define NS_TIES_LOWEST_INDEX 0
#define NS_TIES_SPLIT        1

/* Layout is part of the ABI: three doubles then two int32 (32 bytes). */
typedef struct ns_kink_policy {
    double relu_at_zero;
    double abs_at_zero;
    double norm2_at_zero;
    int32_t ties;
    int32_t strict;
} ns_kink_policy;

ns_status ns_graph_create(ns_graph **out);
ns_status ns_graph_destroy(ns_graph *graph);   /* NULL is ignored; programs outlive their graph */

/* The next argument of the program (arguments are numbered in creation order). */
ns_status ns_graph_input(ns_graph *graph, const int64_t *shape, int64_t ndim, int64_t *out_id);

/* A constant array of the given shape (n_values = product of shape; finite values). */
ns_status ns_graph_constant(ns_graph *graph, const double *values, int64_t n_values,
                            const int64_t *shape, int64_t ndim, int64_t *out_id);

/*
 * out.flat[i] = x.flat[indices[i]] with out of the given shape: indexing,
 * slicing, fancy indexing. `label` (NULL: "getitem"; 1–64 bytes, no '=' or
 * ';') names the node in error messages and kink reports.
 */
ns_status ns_graph_gather(ns_graph *graph, int64_t x, const int64_t *indices, int64_t n_indices,
                          const int64_t *shape, int64_t ndim, const char *label, int64_t *out_id);

/* The shape of value `id`: *ndim always receives its rank; shape[0..ndim) is
 * written when capacity ≥ ndim (NS_INVALID_ARGUMENT otherwise). */
ns_status ns_graph_shape(const ns_graph *graph, int64_t id, int64_t *shape, int64_t capacity, int64_t *ndim);

/*
 * Applies the operation `op` to the values inputs[0..n_inputs) with integer
 * and float attributes. Operations (operands; int attributes; float attributes):
 *
 *  elementwise, one operand, no attributes:
 *    negative abs sign relu square reciprocal sqrt exp log log1p softplus
 *    sigmoid tanh sin cos hinge (max(0, 1 − x))
 *  elementwise, one operand with attributes:
 *    leaky_relu      ; -           ; negative slope α
 *    gelu            ; approximate (0 erf, 1 tanh) ; -
 *    power_scalar    ; -           ; exponent p (x^p)
 *    add_scalar      ; -           ; c (x + c)
 *    multiply_scalar ; -           ; c (c·x)
 *    clip            ; -           ; lower, upper (lower ≤ upper, ±inf allowed)
 *    soft_threshold  ; -           ; t ≥ 0 (sign(x)·max(|x| − t, 0))
 *    huber           ; -           ; δ > 0 (x²/2 for |x| ≤ δ, δ(|x| − δ/2) beyond)
 *    round, floor    ; straight_through (0: derivative 0, 1: derivative 1) ; -
 *    sign_ste        ; clipped (0: derivative 1, 1: derivative 1 on |x| ≤ 1) ; -
 *                    (sign with a straight-through derivative)
 *    stop_gradient   ; -           ; - (identity, derivative 0)
 *  elementwise, two operands (broadcast):
 *    add subtract multiply divide maximum minimum power
 *    less less_equal greater greater_equal equal not_equal (1.0 / 0.0, derivative 0)
 *  where           (condition, a, b; broadcast): a where condition ≠ 0, else b.
 *                  Only the selected branch receives a derivative.
 *  broadcast_to    (x; target shape...)
 *  reshape         (x; target shape..., one entry may be −1)
 *  transpose       (x; permutation... or none to reverse the axes)
 *  concatenate     (x1, ..., xk; axis)
 *  sum mean max min norm1 norm2 norm_inf logsumexp
 *                  (x; keepdims (0/1), axis count (−1: all axes), axes...)
 *  matmul          (a, b; 1-D or 2-D operands, NumPy rules), through BLAS
 *  sort            (x; axis): ascending
 *  softmax_cross_entropy (logits, targets; axis): −Σ targets·log softmax(logits)
 *                  along axis, which the output drops
 *  max_pool1d      (x; window, stride): over the last axis, valid windows only
 *  max_pool2d      (x; window0, window1, stride0, stride1): over the last two axes
 *  avg_pool1d, avg_pool2d: as max_pool1d, max_pool2d with the window mean
 *  conv2d          (x (N, C, H, W), w (F, C, kh, kw); stride_h, stride_w,
 *                  padding_h, padding_w): cross-correlation with zero padding,
 *                  (N, F, Ho, Wo), by im2col and one matrix product
 *  codebook_lookup (z (..., d), codebook (K, d); straight_through): each row of
 *                  z replaced by its nearest codebook row (ties: lowest index);
 *                  the codebook gets the exact derivative, z the cotangent
 *                  unchanged when straight_through = 1, else nothing
 */
ns_status ns_graph_op(ns_graph *graph, const char *op,
                      int64_t n_inputs, const int64_t *inputs,
                      int64_t n_int_attributes, const int64_t *int_attributes,
                      int64_t n_float_attributes, const double *float_attributes,
                      int64_t *out_id);

/*
 * Compiles the values outputs[0..n_outputs) of the graph into a program.
 * Every input of the graph is an argument, used or not; nodes no output needs
 * are dropped. Release with ns_program_destroy. The graph may be changed or
 * destroyed afterwards.
 */
ns_status ns_program_create(const ns_graph *graph, int64_t n_outputs, const int64_t *outputs, ns_program **out);
ns_status ns_program_destroy(ns_program *program);   /* NULL is ignored */

ns_status ns_program_arity(const ns_program *program, int64_t *n_inputs, int64_t *n_outputs);

/* Shape of argument (role 0) or output (role 1) `index`; as ns_graph_shape. */
ns_status ns_program_shape(const ns_program *program, int32_t role, int64_t index,
                           int64_t *shape, int64_t capacity, int64_t *ndim);

/* The outputs at the arguments. Arguments must be finite (NS_INVALID_ARGUMENT
 * naming "argument k" otherwise). */
ns_status ns_program_evaluate(const ns_program *program, const ns_kink_policy *policy, ns_dtype dtype,
                              int64_t n_inputs, const void *const *inputs, const int64_t *input_sizes,
                              int64_t n_outputs, void *const *outputs, const int64_t *output_sizes,
                              char *kinks, int64_t kinks_capacity);

/*
 * Reverse mode: gradients[j] = Σ_k cotangents[k]ᵀ ∂outputs[k]/∂inputs[wrt[j]]
 * for the n_wrt distinct argument indices wrt. `cotangents` (one per output)
 * may hold NULL (zero). `outputs` may be NULL (values not wanted). Costs a
 * small constant times one evaluation.
 */
ns_status ns_program_vjp(const ns_program *program, const ns_kink_policy *policy, ns_dtype dtype,
                         int64_t n_inputs, const void *const *inputs, const int64_t *input_sizes,
                         int64_t n_outputs, const void *const *cotangents, const int64_t *cotangent_sizes,
                         int64_t n_wrt, const int64_t *wrt,
                         void *const *gradients, const int64_t *gradient_sizes,
                         void *const *outputs, const int64_t *output_sizes,
                         char *kinks, int64_t kinks_capacity);

/*
 * Forward mode: output_tangents[k] = Σ_j ∂outputs[k]/∂inputs[j] · tangents[j].
 * `tangents` (one per argument) may hold NULL (zero); `outputs` may be NULL.
 */
ns_status ns_program_jvp(const ns_program *program, const ns_kink_policy *policy,
                         int64_t n_inputs, const double *const *inputs, const int64_t *input_sizes,
                         const double *const *tangents, const int64_t *tangent_sizes,
                         int64_t n_outputs, double *const *output_tangents, const int64_t *output_tangent_sizes,
                         double *const *outputs, const int64_t *output_sizes,
                         char *kinks, int64_t kinks_capacity);

/*
 * Hessian-vector products of the scalar output `output` (forward over reverse):
 * products[j] = Σ_l ∂²f/∂x_{wrt[j]}∂x_{wrt[l]} · directions[l]. `gradients`
 * may be NULL; otherwise it receives ∇f for each wrt argument. At kinks the
 * second derivative of piecewise-linear primitives is taken as 0.
 */
ns_status ns_program_hvp(const ns_program *program, const ns_kink_policy *policy,
                         int64_t n_inputs, const double *const *inputs, const int64_t *input_sizes,
                         int64_t output, int64_t n_wrt, const int64_t *wrt,
                         const double *const *directions, const int64_t *direction_sizes,
                         double *const *products, const int64_t *product_sizes,
                         double *const *gradients, const int64_t *gradient_sizes,
                         char *kinks, int64_t kinks_capacity);

/*
 * The Jacobian of output `output` with respect to argument `wrt`, row-major
 * (output count × argument count = jacobian_size entries), by reverse rows or
 * forward columns, whichever is fewer.
 */
ns_status ns_program_jacobian(const ns_program *program, const ns_kink_policy *policy,
                              int64_t n_inputs, const double *const *inputs, const int64_t *input_sizes,
                              int64_t output, int64_t wrt, double *jacobian, int64_t jacobian_size,
                              char *kinks, int64_t kinks_capacity);

/*
 * Lexicographic directional derivative F'(x; M) of output `output` (Khan &
 * Barton 2015). M has direction_count = k columns; its rows are the entries of
 * the wrt arguments in order: directions[j] is argument wrt[j]'s block,
 * row-major (count_j × k, direction_sizes[j] = count_j·k). result is row-major
 * (output count × k). When M is square and nonsingular, F'(x; M)·M⁻¹ is a
 * lexicographic derivative: for piecewise differentiable programs an element
 * of Clarke's generalized Jacobian. Costs k forward passes; no kink policy is
 * involved (ties are broken by the directions).
 */
ns_status ns_program_lexicographic(const ns_program *program,
                                   int64_t n_inputs, const double *const *inputs, const int64_t *input_sizes,
                                   int64_t output, int64_t n_wrt, const int64_t *wrt,
                                   const double *const *directions, const int64_t *direction_sizes,
                                   int64_t direction_count, double *result, int64_t result_size,
                                   char *kinks, int64_t kinks_capacity);

/* ---- Native training ------------------------------------------------------------ */

/*
 * First-order optimizers. An ns_optimizer is one update rule with its state
 * (moments, accumulators), created with the hyperparameters of its kind:
 *
 *  kind         hyperparameters          update of w from the (sub)gradient g, step α
 *  "sgd"        -                        w ← w − α g
 *  "momentum"   μ ∈ [0, 1)               v ← μ v + g,  w ← w − α v       (Polyak 1964, Sutskever et al. 2013)
 *                                        (μ = β_k with ns_optimizer_momentum_schedule)
 *  "nesterov"   μ ∈ [0, 1)               v ← μ v + g,  w ← w − α (g + μ v)
 *  "adagrad"    ε ≥ 0                    G ← G + g²,   w ← w − α g / (√G + ε)    (Duchi, Hazan & Singer 2011)
 *  "rmsprop"    ρ ∈ [0, 1), ε ≥ 0        s ← ρ s + (1 − ρ) g²,  w ← w − α g / (√s + ε)  (Tieleman & Hinton 2012)
 *  "adam"       β1, β2 ∈ [0, 1), ε ≥ 0   m ← β1 m + (1 − β1) g,  v ← β2 v + (1 − β2) g²,
 *                                        w ← w − α m̂ / (√v̂ + ε), m̂ = m/(1 − β1ᵗ), v̂ = v/(1 − β2ᵗ)
 *                                        (Kingma & Ba 2015)
 *
 * The state starts at zero and is sized by the first step; a step with another
 * n starts it again. ns_train runs the very same update rules, so a loop of
 * ns_optimizer_step over exact gradients reproduces it bit for bit. A handle
 * is not immutable: calls on one handle from several threads are serialized
 * by a lock (the order is then the caller's business). Release with
 * ns_optimizer_destroy.
 */
typedef struct ns_optimizer ns_optimizer;

ns_status ns_optimizer_create(const char *kind, const double *hyperparameters, int64_t n_hyperparameters,
                              ns_optimizer **out);
ns_status ns_optimizer_destroy(ns_optimizer *optimizer);   /* NULL is ignored */

/* Momentum schedule of a "momentum" or "nesterov" optimizer: β_k = r_k, or
 * β_k = 1 − r_k with complement ≠ 0, where r_k is the learning-rate schedule
 * (schedule, parameters) below and k counts the steps since creation or reset.
 * β_k must lie in [0, 1) for every k (checked on r_0: schedules are nonincreasing). */
ns_status ns_optimizer_momentum_schedule(ns_optimizer *optimizer, const char *schedule, const double *parameters,
                                         int64_t n_parameters, int32_t complement);

/* Forgets the state (the next step is a first step again). */
ns_status ns_optimizer_reset(ns_optimizer *optimizer);

/* One update of params[0..n) in place from grads[0..n) (finite) with step rate ≥ 0. */
ns_status ns_optimizer_step(ns_optimizer *optimizer, double *params, const double *grads, int64_t n, double rate);

/*
 * The state as numbers, to save it (pickling) and give it back: *size receives
 * its length; with capacity 0 that is all (a size query, state may be NULL),
 * else state receives it (capacity < *size: NS_INVALID_ARGUMENT). Layout: sgd none; momentum/nesterov [k, v]
 * adagrad G; rmsprop s; adam [β1ᵗ, β2ᵗ, m, v] (all empty before the first step).
 * ns_optimizer_set_state restores one read from an optimizer of the same kind
 * (checked: length, finiteness, signs); n = 0 is a reset.
 */
ns_status ns_optimizer_get_state(ns_optimizer *optimizer, double *state, int64_t capacity, int64_t *size);
ns_status ns_optimizer_set_state(ns_optimizer *optimizer, const double *state, int64_t n);

/*
 * Learning-rate schedules α_k, k = 0, 1, … the step counter:
 *
 *  kind           parameters                    α_k
 *  "constant"     α > 0                         α
 *  "diminishing"  a > 0, b > 0, p ≥ 0           a / (b + k)^p   (p ∈ (1/2, 1]: Robbins–Monro)
 *  "step_decay"   α > 0, f ∈ (0, 1], every ≥ 1  α f^⌊k / every⌋
 *  "cosine"       α > 0, α_min ∈ [0, α], K ≥ 1  α_min + (α − α_min)(1 + cos(πk/K))/2 for k < K, α_min after
 *                                               (Loshchilov & Hutter 2017)
 *
 * Counts (every, K) are passed as whole doubles. *out receives α_k (k ≥ 0).
 */
ns_status ns_learning_rate(const char *schedule, const double *parameters, int64_t n_parameters, int64_t step,
                           double *out);

/* Roles of the loss program's arguments in ns_train. */
#define NS_TRAIN_PARAMETER 0   /* trained; inputs[k] holds its initial value        */
#define NS_TRAIN_DATA      1   /* sampled by rows: inputs[k] holds `rows` rows      */
#define NS_TRAIN_FIXED     2   /* held fixed; inputs[k] holds its value             */
/* Filled by the loop before every step (inputs[k] holds its traced count of
 * entries, ignored): noise from a SplitMix64 generator seeded with
 * seed ^ 0x6E6F6973655F7331 (independent of the minibatches), drawn for the
 * noise arguments in argument order, entry by entry; or the step index k.
 * With u = (x >> 11)·2⁻⁵³ and u° = ((x >> 11) + ½)·2⁻⁵³ for successive draws x: */
#define NS_TRAIN_NOISE_UNIFORM 3   /* u ∈ [0, 1)                                      */
#define NS_TRAIN_NOISE_NORMAL  4   /* √(−2 ln u°₁)·cos(2π u₂), two draws per entry    */
#define NS_TRAIN_NOISE_GUMBEL  5   /* −log(−log u°)                                   */
#define NS_TRAIN_STEP          6   /* every entry = k, the step index (0, 1, ...)     */
/* State carried by the loop (batch-norm running statistics): inputs[k] holds its
 * initial value; after every step s ← (1 − m)·s + m·(output state_outputs[k] of
 * that step's forward pass), m = state_momentum[k] ∈ [0, 1], the output having
 * the argument's size; the final s goes to parameters[k]. */
#define NS_TRAIN_STATE         7

#define NS_AVERAGE_NONE          0
#define NS_AVERAGE_UNIFORM       1   /* (1/K) Σ_{k=1..K} w_k, the iterates after each step             */
#define NS_AVERAGE_STEP_WEIGHTED 2   /* Σ_{k<K} α_k w_k / Σ α_k over the points where the gradients
                                        were taken (Nemirovski, Juditsky, Lan & Shapiro 2009)         */

#define NS_TRAIN_COMPLETED 0
#define NS_TRAIN_DIVERGED  1   /* a non-finite loss or parameter: the loop stopped there */
#define NS_TRAIN_CANCELLED 2   /* the callback asked to stop                             */

/* History: NS_TRAIN_HISTORY_COLUMNS columns of `history_capacity` rows each,
 * column c of row i at history[c * history_capacity + i]:
 *   0 step   1 mean minibatch loss since the previous row (NaN in row 0)
 *   2 full-data loss (evaluation program; NaN without one)   3 ||w||_1   4 ||w||_∞
 *   5 fraction of parameter entries with |w| < threshold   6 kinks hit since the previous row
 *   7 learning rate of the last step   8 seconds since the start
 * A run of `steps` steps recorded every `every` needs NS_TRAIN_HISTORY_ROWS rows:
 * the initial point, one row per `every` steps and at the end, one at a divergence or a stop. */
#define NS_TRAIN_HISTORY_COLUMNS 9
#define NS_TRAIN_HISTORY_ROWS(steps, every) (2 + ((steps) + (every) - 1) / (every))

/*
 * Minimizes the scalar output 0 of `loss` over its parameter arguments by
 * `steps` steps of the optimizer, entirely in native code. `dtype` is the
 * element type of inputs, parameters and averaged (see Precision above): the
 * programs run in it; the parameter vector, optimizer state, prox steps and
 * averages are kept in float64 inside the loop and rounded to dtype when the
 * program reads them (float64 master weights).
 *
 *   for k = 0 .. steps-1:
 *       B_k = next minibatch of batch_size row indices of the data
 *       g_k = conservative gradient of loss(w_k; data rows B_k, fixed) (kink policy `policy`)
 *       w_{k+1} = optimizer update of w_k with g_k and α_k = schedule(k)
 *       w_{k+1} = prox_{α_k h}(w_{k+1}) for each parameter with a prox handle h
 *
 * loss: a program whose data arguments were traced with batch_size rows (first
 *   dimension). evaluation (may be NULL): the same function traced with the
 *   full data (`rows` rows); its value at every history row is column 2.
 * inputs / input_sizes / roles: one entry per argument of `loss` (n_inputs =
 *   its arity). A data argument holds rows × (its traced count / batch_size)
 *   entries, row-major; the others hold exactly their traced count. All must
 *   be finite. Without data arguments, batch_size and rows must be 1.
 * Minibatches (MinibatchSampler of the Swift core, seeded SplitMix64): with
 *   replacement, batch_size uniform draws; without, reshuffled epochs
 *   (batch_size ≤ rows). batch_size = rows without replacement takes the rows
 *   in order: the deterministic (full-gradient) method. The same seed gives the
 *   same run on every machine and thread.
 * state_outputs, state_momentum (may be NULL without NS_TRAIN_STATE arguments):
 *   one entry per argument, read for the state arguments only (see NS_TRAIN_STATE).
 * prox (may be NULL): one ns_prox* per argument, NULL for none; only
 *   parameters may have one. Matrix operators ("nuclear", "psd") act on a 2-D
 *   parameter as a matrix. Proximal SGD with "sgd", proximal Adam with "adam".
 * optimizer: an ns_optimizer handle; training continues from its state and
 *   leaves its final state there (create a fresh one for a fresh run). The
 *   handle's lock is held for the whole run.
 * schedule / schedule_parameters: as ns_learning_rate.
 * record_every ≥ 1: history cadence; threshold ≥ 0: see history column 5.
 * averaging: NS_AVERAGE_*. policy: the kink policy (NULL: standard).
 * Outputs: parameters[k] (the parameter and state arguments' entries, others ignored; may
 *   alias inputs[k]) receives the final iterate; averaged (may be NULL; as
 *   parameters) the averaged iterate when averaging ≠ NONE; history (may be
 *   NULL) as above, history_capacity ≥ NS_TRAIN_HISTORY_ROWS(steps, record_every);
 *   kinks: "label=count;..." of every kink hit over the run (see kink reports);
 *   info (4 entries): [steps done, NS_TRAIN_* stop reason, history rows written,
 *   seconds].
 * callback: called with (step, mean minibatch loss since the last row) at
 *   every history row, and between rows whenever callback_seconds have passed
 *   since the last call (one clock read per step, so a stop request is answered
 *   within callback_seconds plus one step). A non-zero return stops the loop:
 *   ns_train then returns NS_CANCELLED with every output holding the state
 *   reached (stop reason NS_TRAIN_CANCELLED). A divergence is not an error:
 *   NS_OK with stop reason NS_TRAIN_DIVERGED and the last (non-finite) state.
 */
ns_status ns_train(const ns_program *loss, const ns_program *evaluation, ns_dtype dtype,
                   int64_t n_inputs, const void *const *inputs, const int64_t *input_sizes,
                   const int32_t *roles, int64_t rows, const ns_prox *const *prox,
                   const int64_t *state_outputs, const double *state_momentum,
                   ns_optimizer *optimizer,
                   const char *schedule, const double *schedule_parameters, int64_t n_schedule_parameters,
                   int64_t steps, int64_t batch_size, int32_t replacement, uint64_t seed,
                   int64_t record_every, double threshold, int32_t averaging, const ns_kink_policy *policy,
                   void *const *parameters, void *const *averaged,
                   double *history, int64_t history_capacity,
                   char *kinks, int64_t kinks_capacity, double *info,
                   ns_progress_callback callback, void *context, double callback_seconds);

#ifdef __cplusplus
}
#endif

#endif /* NONSMOOTH_H */
