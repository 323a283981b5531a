/* The generic coordinate-descent engine: wrapper of ns_glm_fit (see nonsmooth.h). */
#include <stddef.h>

#include "native.h"

/* The Swift side reads both structs by byte offset (GLMABI.swift). */
_Static_assert(sizeof(ns_glm_options) == 144 && offsetof(ns_glm_options, group_pointers) == 104 &&
                   offsetof(ns_glm_options, n_groups) == 120 && offsetof(ns_glm_options, group_weights) == 128 &&
                   offsetof(ns_glm_options, datafit_param) == 136 && offsetof(ns_glm_options, alpha) == 16 &&
                   offsetof(ns_glm_options, feature_weights) == 32 && offsetof(ns_glm_options, bounds_length) == 56 &&
                   offsetof(ns_glm_options, sample_weights) == 64 && offsetof(ns_glm_options, tol) == 72 &&
                   offsetof(ns_glm_options, flags) == 88 && offsetof(ns_glm_options, progress_every) == 96,
               "ns_glm_options layout is part of the ABI");
_Static_assert(sizeof(ns_glm_result) == 72 && offsetof(ns_glm_result, n_iter) == 40 &&
                   offsetof(ns_glm_result, certificate_kind) == 48 && offsetof(ns_glm_result, history_length) == 56 &&
                   offsetof(ns_glm_result, screened) == 64,
               "ns_glm_result layout is part of the ABI");

/* A vector argument of exactly `n` float64 entries (None allowed when optional). */
int sized_vector(PyObject *obj, npy_intp n, const char *name, PyArrayObject **out)
{
    if (ns_optional_vector(obj, NPY_DOUBLE, name, out) < 0) return -1;
    if (*out != NULL && n >= 0 && PyArray_SIZE(*out) != n) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd entries, got %zd", name, (Py_ssize_t)n,
                     (Py_ssize_t)PyArray_SIZE(*out));
        return -1;
    }
    return 0;
}

/*
 * glm_fit(X, shape, y, coef, intercept, *, datafit, penalty, alpha, param, feature_weights, lower, upper,
 *         sample_weight, tol, max_iter, flags, anderson_depth, history, callback, every,
 *         group_pointers, group_indices, group_weights, datafit_param)
 * group_pointers / group_indices are int64 arrays (None unless the penalty is a block penalty).
 * coef (p) and intercept (1) are writable float64 arrays (warm start in, answer out); history is None or a
 * writable float64 array of shape (capacity, 2). Returns (status, certificate, kkt_violation, objective,
 * dual_objective, n_iter, certificate_kind, status, history_length, screened) for OK / NOT_CONVERGED / CANCELLED; raises otherwise.
 */
static PyObject *py_glm_fit(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"X", "shape", "y", "coef", "intercept", "datafit", "penalty", "alpha", "param",
                               "feature_weights", "lower", "upper", "sample_weight", "tol", "max_iter", "flags",
                               "anderson_depth", "history", "callback", "every", "group_pointers",
                               "group_indices", "group_weights", "datafit_param", NULL};
    PyObject *X_obj, *shape_obj, *y_obj, *coef_obj, *intercept_obj;
    PyObject *fw_obj = Py_None, *lower_obj = Py_None, *upper_obj = Py_None, *sw_obj = Py_None;
    PyObject *history_obj = Py_None, *callback = Py_None;
    PyObject *gp_obj = Py_None, *gi_obj = Py_None, *gw_obj = Py_None;
    int datafit = 0, penalty = 0, flags = 0, depth = -1;
    double alpha = 0, param = 0, tol = 1e-6, datafit_param = 0;
    long long max_iter = 10000, every = 10;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOOO|$iiddOOOOdLiiOOLOOOd:glm_fit", keywords, &X_obj, &shape_obj,
                                     &y_obj, &coef_obj, &intercept_obj, &datafit, &penalty, &alpha, &param, &fw_obj,
                                     &lower_obj, &upper_obj, &sw_obj, &tol, &max_iter, &flags, &depth, &history_obj,
                                     &callback, &every, &gp_obj, &gi_obj, &gw_obj, &datafit_param))
        return NULL;
    ns_matrix X;
    ns_matrix_refs refs;
    PyArrayObject *y = NULL, *fw = NULL, *lower = NULL, *upper = NULL, *sw = NULL;
    PyArrayObject *gp = NULL, *gi = NULL, *gw = NULL;
    PyObject *result = NULL;
    if (ns_matrix_from_python(X_obj, shape_obj, "X", &X, &refs) < 0) goto done;
    npy_intp n = (npy_intp)X.rows, p = (npy_intp)X.columns;
    if (sized_vector(y_obj, n, "y", &y) < 0 || sized_vector(fw_obj, p, "weights", &fw) < 0 ||
        sized_vector(lower_obj, -1, "lower", &lower) < 0 || sized_vector(upper_obj, -1, "upper", &upper) < 0 ||
        sized_vector(sw_obj, n, "sample_weight", &sw) < 0 ||
        ns_optional_vector(gp_obj, NPY_INT64, "group_pointers", &gp) < 0 ||
        sized_vector(gw_obj, NS_VEC_SIZE(gp) > 0 ? NS_VEC_SIZE(gp) - 1 : -1, "group_weights", &gw) < 0)
        goto done;
    if (ns_optional_vector(gi_obj, NPY_INT64, "group_indices", &gi) < 0) goto done;
    if ((gp == NULL) != (gi == NULL) || (gi != NULL && PyArray_SIZE(gi) != p)) {
        PyErr_Format(PyExc_ValueError, "group_indices: expected %zd entries (one per feature) with group_pointers",
                     (Py_ssize_t)p);
        goto done;
    }
    if (y == NULL) {
        PyErr_SetString(PyExc_ValueError, "y: must not be None");
        goto done;
    }
    if (NS_VEC_SIZE(lower) != NS_VEC_SIZE(upper)) {
        PyErr_SetString(PyExc_ValueError, "lower: must have as many entries as upper");
        goto done;
    }
    PyArrayObject *coef = (PyArrayObject *)coef_obj, *icpt = (PyArrayObject *)intercept_obj;
    if (!PyArray_Check(coef_obj) || PyArray_TYPE(coef) != NPY_DOUBLE || PyArray_NDIM(coef) != 1 ||
        PyArray_SIZE(coef) != p || !PyArray_ISCARRAY(coef) || !PyArray_Check(intercept_obj) ||
        PyArray_TYPE(icpt) != NPY_DOUBLE || PyArray_SIZE(icpt) != 1 || !PyArray_ISCARRAY(icpt)) {
        PyErr_Format(PyExc_ValueError, "coef: expected writable contiguous float64 arrays of %zd and 1 entries",
                     (Py_ssize_t)p);
        goto done;
    }
    double *history = NULL;
    int64_t capacity = 0;
    if (history_obj != Py_None) {
        PyArrayObject *h = (PyArrayObject *)history_obj;
        if (!PyArray_Check(history_obj) || PyArray_TYPE(h) != NPY_DOUBLE || PyArray_NDIM(h) != 2 ||
            PyArray_DIM(h, 1) != 2 || !PyArray_ISCARRAY(h)) {
            PyErr_SetString(PyExc_ValueError, "history: expected a writable contiguous float64 array of shape (k, 2)");
            goto done;
        }
        history = PyArray_DATA(h);
        capacity = PyArray_DIM(h, 0);
    }
    ns_glm_options options = {
        .size = sizeof(ns_glm_options), .datafit = datafit, .penalty = penalty, .alpha = alpha, .param = param,
        .feature_weights = NS_VEC_DATA(fw), .lower = NS_VEC_DATA(lower), .upper = NS_VEC_DATA(upper),
        .bounds_length = NS_VEC_SIZE(lower), .sample_weights = NS_VEC_DATA(sw), .tol = tol, .max_iter = max_iter,
        .flags = flags, .anderson_depth = depth, .progress_every = every,
        .group_pointers = gp == NULL ? NULL : PyArray_DATA(gp), .group_indices = gi == NULL ? NULL : PyArray_DATA(gi),
        .n_groups = NS_VEC_SIZE(gp) > 0 ? NS_VEC_SIZE(gp) - 1 : 0, .group_weights = NS_VEC_DATA(gw),
        .datafit_param = datafit_param,
    };
    ns_glm_result out = {.size = sizeof(ns_glm_result)};
    ns_progress_context ctx = {callback, 0};
    ns_status status;
    Py_BEGIN_ALLOW_THREADS
    status = ns_glm_fit(&X, PyArray_DATA(y), &options, PyArray_DATA(coef), PyArray_DATA(icpt), history, capacity,
                        &out, ns_progress_trampoline, &ctx);
    Py_END_ALLOW_THREADS
    const char *format = "(idddd Lii LL)";
    if (ctx.failed) { /* KeyboardInterrupt or the callback's exception: coef, intercept and out hold the state reached */
        ns_interrupted(format, (int)status, out.certificate, out.kkt_violation, out.objective, out.dual_objective,
                       (long long)out.n_iter, (int)out.certificate_kind, (int)out.status,
                       (long long)out.history_length, (long long)out.screened);
        goto done;
    }
    if (status != NS_OK && status != NS_NOT_CONVERGED && status != NS_CANCELLED) {
        ns_raise_status(status);
        goto done;
    }
    result = Py_BuildValue(format, (int)status, out.certificate, out.kkt_violation, out.objective,
                           out.dual_objective, (long long)out.n_iter, (int)out.certificate_kind, (int)out.status,
                           (long long)out.history_length, (long long)out.screened);
done:
    ns_matrix_release(&refs);
    Py_XDECREF(y);
    Py_XDECREF(fw);
    Py_XDECREF(lower);
    Py_XDECREF(upper);
    Py_XDECREF(sw);
    Py_XDECREF(gp);
    Py_XDECREF(gi);
    Py_XDECREF(gw);
    return result;
}

PyMethodDef ns_glm_methods[] = {
    {"glm_fit", (PyCFunction)(void (*)(void))py_glm_fit, METH_VARARGS | METH_KEYWORDS,
     "generic coordinate descent (see nonsmooth.h ns_glm_fit)"},
    {NULL, NULL, 0, NULL},
};
