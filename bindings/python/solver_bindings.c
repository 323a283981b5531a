/* Generic solvers: wrappers of ns_prox_gradient, ns_subgradient_method, ns_admm (see nonsmooth.h). */
#include "native.h"

static ns_prox *prox_arg(PyObject *capsule, const char *name)
{
    ns_prox *prox = (ns_prox *)PyCapsule_GetPointer(capsule, "nonsmooth.prox");
    if (prox == NULL) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s: expected a nonsmooth.prox operator handle", name);
    }
    return prox;
}

/* A writable contiguous float64 vector of `n` entries (outputs written in place). */
static int out_vector(PyObject *obj, npy_intp n, const char *name)
{
    if (!PyArray_Check(obj) || PyArray_TYPE((PyArrayObject *)obj) != NPY_DOUBLE ||
        PyArray_NDIM((PyArrayObject *)obj) != 1 || PyArray_SIZE((PyArrayObject *)obj) != n ||
        !PyArray_ISCARRAY((PyArrayObject *)obj)) {
        PyErr_Format(PyExc_ValueError, "%s: expected a writable contiguous float64 array of %zd entries",
                     name, (Py_ssize_t)n);
        return -1;
    }
    return 0;
}

/* Status OK / NOT_CONVERGED / CANCELLED -> int; other statuses and callback errors raise. */
static PyObject *solver_status(ns_status status, ns_progress_context *ctx)
{
    /* x and info hold the state reached. A KeyboardInterrupt may also be left pending by the
     * interrupt hook polled before the first iteration (the Lipschitz estimate). */
    if (ctx->failed || PyErr_Occurred()) return ns_interrupted("i", (int)status);
    if (status != NS_OK && status != NS_NOT_CONVERGED && status != NS_CANCELLED) return ns_raise_status(status);
    return PyLong_FromLong(status);
}

/* Common loss arguments: A (dense, or CSC arrays with its shape), b (1-D). */
typedef struct {
    ns_matrix A;
    ns_matrix_refs refs;
    PyArrayObject *b;
} loss_data;

static int loss_prepare(loss_data *d, PyObject *A_obj, PyObject *shape_obj, PyObject *b_obj)
{
    d->b = NULL;
    if (ns_matrix_from_python(A_obj, shape_obj, "A", &d->A, &d->refs) < 0) return -1;
    if (ns_optional_vector(b_obj, NPY_DOUBLE, "b", &d->b) < 0) return -1;
    if (d->b == NULL || PyArray_SIZE(d->b) != d->A.rows) {
        PyErr_SetString(PyExc_ValueError, "b: must have one entry per row of A");
        return -1;
    }
    return 0;
}

static void loss_release(loss_data *d)
{
    ns_matrix_release(&d->refs);
    Py_XDECREF(d->b);
}

static PyObject *py_prox_gradient(PyObject *self, PyObject *args)
{
    const char *loss;
    PyObject *A_obj, *shape_obj, *b_obj, *g_obj, *x_obj, *history_obj, *info_obj, *callback;
    double delta, lipschitz, step_value, shrink, growth, tol;
    int method, step_rule, restart, relative, warm;
    long long max_iter, every, matrix_rows;
    if (!PyArg_ParseTuple(args, "sOOOddOLiidddidpLOpOOOL:prox_gradient", &loss, &A_obj, &shape_obj, &b_obj, &delta,
                          &lipschitz, &g_obj, &matrix_rows, &method, &step_rule, &step_value, &shrink, &growth,
                          &restart, &tol, &relative, &max_iter, &x_obj, &warm, &history_obj, &info_obj, &callback,
                          &every))
        return NULL;
    ns_prox *g = prox_arg(g_obj, "prox");
    if (g == NULL) return NULL;
    loss_data d;
    PyObject *result = NULL;
    if (loss_prepare(&d, A_obj, shape_obj, b_obj) < 0) goto done;
    npy_intp p = (npy_intp)d.A.columns;
    npy_intp capacity = history_obj == Py_None ? 0 : PyArray_Check(history_obj) ? PyArray_SIZE((PyArrayObject *)history_obj) : -1;
    if (out_vector(x_obj, p, "x") < 0 || out_vector(info_obj, 9, "info") < 0 ||
        (history_obj != Py_None && out_vector(history_obj, capacity, "history") < 0))
        goto done;
    ns_progress_context ctx = {callback, 0};
    ns_status status;
    Py_BEGIN_ALLOW_THREADS
    status = ns_prox_gradient(loss, &d.A, PyArray_DATA(d.b), delta, lipschitz, g, matrix_rows, method, step_rule,
                              step_value, shrink, growth, restart, tol, relative, max_iter, PyArray_DATA((PyArrayObject *)x_obj), warm,
                              history_obj == Py_None ? NULL : PyArray_DATA((PyArrayObject *)history_obj), capacity,
                              PyArray_DATA((PyArrayObject *)info_obj), ns_progress_trampoline, &ctx, every);
    Py_END_ALLOW_THREADS
    result = solver_status(status, &ctx);
done:
    loss_release(&d);
    return result;
}

static PyObject *py_subgradient_method(PyObject *self, PyObject *args)
{
    const char *loss;
    PyObject *A_obj, *shape_obj, *b_obj, *g_obj, *x_obj, *avg_obj, *history_obj, *info_obj, *callback;
    double delta, lipschitz, p1, p2, tol;
    int rule, warm;
    long long max_iter, every;
    if (!PyArg_ParseTuple(args, "sOOOddOidddLOpOOOOL:subgradient_method", &loss, &A_obj, &shape_obj, &b_obj, &delta,
                          &lipschitz,
                          &g_obj, &rule, &p1, &p2, &tol, &max_iter, &x_obj, &warm, &avg_obj, &history_obj,
                          &info_obj, &callback, &every))
        return NULL;
    ns_prox *g = prox_arg(g_obj, "prox");
    if (g == NULL) return NULL;
    loss_data d;
    PyObject *result = NULL;
    if (loss_prepare(&d, A_obj, shape_obj, b_obj) < 0) goto done;
    npy_intp p = (npy_intp)d.A.columns;
    npy_intp capacity = history_obj == Py_None ? 0 : PyArray_Check(history_obj) ? PyArray_SIZE((PyArrayObject *)history_obj) : -1;
    if (out_vector(x_obj, p, "x") < 0 || out_vector(avg_obj, p, "average") < 0 || out_vector(info_obj, 7, "info") < 0 ||
        (history_obj != Py_None && out_vector(history_obj, capacity, "history") < 0))
        goto done;
    ns_progress_context ctx = {callback, 0};
    ns_status status;
    Py_BEGIN_ALLOW_THREADS
    status = ns_subgradient_method(loss, &d.A, PyArray_DATA(d.b), delta, lipschitz, g, rule, p1, p2, tol, max_iter,
                                   PyArray_DATA((PyArrayObject *)x_obj), warm, PyArray_DATA((PyArrayObject *)avg_obj),
                                   history_obj == Py_None ? NULL : PyArray_DATA((PyArrayObject *)history_obj),
                                   capacity, PyArray_DATA((PyArrayObject *)info_obj), ns_progress_trampoline, &ctx,
                                   every);
    Py_END_ALLOW_THREADS
    result = solver_status(status, &ctx);
done:
    loss_release(&d);
    return result;
}

static PyObject *py_admm(PyObject *self, PyObject *args)
{
    PyObject *f_obj, *g_obj, *z_obj, *x_obj, *info_obj, *callback;
    Py_ssize_t dimension;
    double penalty, relaxation, abs_tol, rel_tol;
    int balancing, warm;
    long long max_iter, every;
    if (!PyArg_ParseTuple(args, "OOnddddpLOpOOOL:admm", &f_obj, &g_obj, &dimension, &penalty, &relaxation, &abs_tol,
                          &rel_tol, &balancing, &max_iter, &z_obj, &warm, &x_obj, &info_obj, &callback, &every))
        return NULL;
    ns_prox *f = prox_arg(f_obj, "f");
    if (f == NULL) return NULL;
    ns_prox *g = prox_arg(g_obj, "g");
    if (g == NULL) return NULL;
    if (dimension < 1 || out_vector(z_obj, dimension, "z") < 0 || out_vector(x_obj, dimension, "x") < 0 ||
        out_vector(info_obj, 7, "info") < 0) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "dimension: must be at least 1");
        return NULL;
    }
    ns_progress_context ctx = {callback, 0};
    ns_status status;
    Py_BEGIN_ALLOW_THREADS
    status = ns_admm(f, g, dimension, penalty, relaxation, abs_tol, rel_tol, balancing, max_iter,
                     PyArray_DATA((PyArrayObject *)z_obj), warm, PyArray_DATA((PyArrayObject *)x_obj),
                     PyArray_DATA((PyArrayObject *)info_obj), ns_progress_trampoline, &ctx, every);
    Py_END_ALLOW_THREADS
    return solver_status(status, &ctx);
}

PyMethodDef ns_solver_methods[] = {
    {"prox_gradient", py_prox_gradient, METH_VARARGS, "ISTA/FISTA (see nonsmooth.h ns_prox_gradient)"},
    {"subgradient_method", py_subgradient_method, METH_VARARGS, "subgradient method (ns_subgradient_method)"},
    {"admm", py_admm, METH_VARARGS, "two-prox ADMM (ns_admm)"},
    {NULL, NULL, 0, NULL},
};
