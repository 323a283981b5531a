/* Multi-task least squares with the l2,1 row penalty: wrapper of ns_multitask_fit (see nonsmooth.h). */
#include <stddef.h>

#include "native.h"

/* The Swift side reads the options by byte offset (MultiTaskABI.swift). */
_Static_assert(sizeof(ns_multitask_options) == 72 && offsetof(ns_multitask_options, tasks) == 8 &&
                   offsetof(ns_multitask_options, alpha) == 16 && offsetof(ns_multitask_options, l1_ratio) == 24 &&
                   offsetof(ns_multitask_options, sample_weights) == 32 && offsetof(ns_multitask_options, tol) == 40 &&
                   offsetof(ns_multitask_options, max_iter) == 48 && offsetof(ns_multitask_options, flags) == 56 &&
                   offsetof(ns_multitask_options, anderson_depth) == 60 &&
                   offsetof(ns_multitask_options, progress_every) == 64,
               "ns_multitask_options layout is part of the ABI");

/* A writable C-contiguous float64 array of the given shape (cols < 0: 1-D of `rows` entries). */
static int writable_block(PyObject *obj, npy_intp rows, npy_intp cols, const char *name)
{
    PyArrayObject *a = (PyArrayObject *)obj;
    int ok = PyArray_Check(obj) && PyArray_TYPE(a) == NPY_DOUBLE && PyArray_ISCARRAY(a) &&
             (cols < 0 ? PyArray_NDIM(a) == 1 && PyArray_DIM(a, 0) == rows
                       : PyArray_NDIM(a) == 2 && PyArray_DIM(a, 0) == rows && PyArray_DIM(a, 1) == cols);
    if (!ok) {
        PyErr_Format(PyExc_ValueError, "%s: expected a writable C-contiguous float64 array of %zd×%zd entries", name,
                     (Py_ssize_t)rows, (Py_ssize_t)(cols < 0 ? 1 : cols));
        return -1;
    }
    return 0;
}

/*
 * multitask_fit(X, shape, Y, coef, intercept, *, alpha, l1_ratio, sample_weight, tol, max_iter, flags,
 *               anderson_depth, history, callback, every)
 * Y is a C-contiguous float64 array (n, T); coef (p, T) and intercept (T,) are writable C-contiguous float64
 * arrays (warm start in, answer out); history is None or a writable float64 array of shape (capacity, 2).
 * Returns (status, certificate, kkt_violation, objective, dual_objective, n_iter, certificate_kind, status_code,
 * history_length) for OK / NOT_CONVERGED / CANCELLED; raises otherwise.
 */
static PyObject *py_multitask_fit(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"X", "shape", "Y", "coef", "intercept", "alpha", "l1_ratio", "sample_weight", "tol",
                               "max_iter", "flags", "anderson_depth", "history", "callback", "every", NULL};
    PyObject *X_obj, *shape_obj, *Y_obj, *coef_obj, *intercept_obj;
    PyObject *sw_obj = Py_None, *history_obj = Py_None, *callback = Py_None;
    int flags = 0, depth = -1;
    double alpha = 0, l1_ratio = 1, tol = 1e-6;
    long long max_iter = 10000, every = 10;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOOO|$ddOdLiiOOL:multitask_fit", keywords, &X_obj, &shape_obj,
                                     &Y_obj, &coef_obj, &intercept_obj, &alpha, &l1_ratio, &sw_obj, &tol, &max_iter,
                                     &flags, &depth, &history_obj, &callback, &every))
        return NULL;
    ns_matrix X;
    ns_matrix_refs refs;
    PyArrayObject *sw = NULL;
    PyObject *result = NULL;
    if (ns_matrix_from_python(X_obj, shape_obj, "X", &X, &refs) < 0) goto done;
    npy_intp n = (npy_intp)X.rows, p = (npy_intp)X.columns;
    PyArrayObject *Y = (PyArrayObject *)Y_obj;
    if (!PyArray_Check(Y_obj) || PyArray_TYPE(Y) != NPY_DOUBLE || PyArray_NDIM(Y) != 2 || !PyArray_IS_C_CONTIGUOUS(Y) ||
        PyArray_DIM(Y, 0) != n || PyArray_DIM(Y, 1) < 1) {
        PyErr_Format(PyExc_ValueError, "Y: expected a C-contiguous float64 array of shape (%zd, T), T ≥ 1",
                     (Py_ssize_t)n);
        goto done;
    }
    npy_intp T = PyArray_DIM(Y, 1);
    if (writable_block(coef_obj, p, T, "coef") < 0 || writable_block(intercept_obj, T, -1, "intercept") < 0 ||
        sized_vector(sw_obj, n, "sample_weight", &sw) < 0)
        goto done;
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
    ns_multitask_options options = {
        .size = sizeof(ns_multitask_options), .tasks = T, .alpha = alpha, .l1_ratio = l1_ratio,
        .sample_weights = NS_VEC_DATA(sw), .tol = tol, .max_iter = max_iter, .flags = flags,
        .anderson_depth = depth, .progress_every = every,
    };
    ns_glm_result out = {.size = sizeof(ns_glm_result)};
    ns_progress_context ctx = {callback, 0};
    ns_status status;
    Py_BEGIN_ALLOW_THREADS
    status = ns_multitask_fit(&X, PyArray_DATA(Y), &options, PyArray_DATA((PyArrayObject *)coef_obj),
                              PyArray_DATA((PyArrayObject *)intercept_obj), history, capacity, &out,
                              ns_progress_trampoline, &ctx);
    Py_END_ALLOW_THREADS
    const char *format = "(idddd Lii L)";
    if (ctx.failed) { /* KeyboardInterrupt or the callback's exception: coef, intercept and out hold the state reached */
        ns_interrupted(format, (int)status, out.certificate, out.kkt_violation, out.objective, out.dual_objective,
                       (long long)out.n_iter, (int)out.certificate_kind, (int)out.status,
                       (long long)out.history_length);
        goto done;
    }
    if (status != NS_OK && status != NS_NOT_CONVERGED && status != NS_CANCELLED) {
        ns_raise_status(status);
        goto done;
    }
    result = Py_BuildValue(format, (int)status, out.certificate, out.kkt_violation, out.objective,
                           out.dual_objective, (long long)out.n_iter, (int)out.certificate_kind, (int)out.status,
                           (long long)out.history_length);
done:
    ns_matrix_release(&refs);
    Py_XDECREF(sw);
    return result;
}

PyMethodDef ns_multitask_methods[] = {
    {"multitask_fit", (PyCFunction)(void (*)(void))py_multitask_fit, METH_VARARGS | METH_KEYWORDS,
     "multi-task least squares with the l2,1 row penalty (see nonsmooth.h ns_multitask_fit)"},
    {NULL, NULL, 0, NULL},
};
