/* Elastic net / Lasso coordinate descent: wrappers of ns_enet_* (see nonsmooth.h). */
#include "native.h"

/* Arguments shared by the dense and CSC entry points. */
typedef struct {
    PyObject *y_obj, *sample_weight_obj, *weights_obj, *coef_obj, *callback, *history_obj;
    double alpha, l1_ratio, tol, intercept; /* intercept: the warm start (sparse X with sample weights) */
    int positive, fit_intercept, options, warm_start;
    long long max_iter, every;
    PyArrayObject *y, *sample_weight, *weights, *coef;
    double *history;          /* rows (epoch, gap) of the optional history array, or NULL */
    int64_t history_capacity;
} enet_args;

static int enet_prepare(enet_args *a, npy_intp n, npy_intp p)
{
    a->y = a->sample_weight = a->weights = a->coef = NULL;
    if (ns_optional_vector(a->y_obj, NPY_DOUBLE, "y", &a->y) < 0 ||
        ns_optional_vector(a->sample_weight_obj, NPY_DOUBLE, "sample_weight", &a->sample_weight) < 0 ||
        ns_optional_vector(a->weights_obj, NPY_DOUBLE, "weights", &a->weights) < 0)
        return -1;
    if (a->y == NULL || PyArray_SIZE(a->y) != n) {
        PyErr_Format(PyExc_ValueError, "y: expected %zd entries", (Py_ssize_t)n);
        return -1;
    }
    if (a->sample_weight != NULL && PyArray_SIZE(a->sample_weight) != n) {
        PyErr_Format(PyExc_ValueError, "sample_weight: expected %zd entries", (Py_ssize_t)n);
        return -1;
    }
    if (a->weights != NULL && PyArray_SIZE(a->weights) != p) {
        PyErr_Format(PyExc_ValueError, "weights: expected %zd entries", (Py_ssize_t)p);
        return -1;
    }
    /* coef is written in place: it must be a writable contiguous float64 vector of length p. */
    if (!PyArray_Check(a->coef_obj) || PyArray_TYPE((PyArrayObject *)a->coef_obj) != NPY_DOUBLE ||
        PyArray_NDIM((PyArrayObject *)a->coef_obj) != 1 || PyArray_SIZE((PyArrayObject *)a->coef_obj) != p ||
        !PyArray_ISCARRAY((PyArrayObject *)a->coef_obj)) {
        PyErr_Format(PyExc_ValueError, "coef: expected a writable contiguous float64 array of %zd entries",
                     (Py_ssize_t)p);
        return -1;
    }
    a->coef = (PyArrayObject *)a->coef_obj;
    Py_INCREF(a->coef);
    /* history (optional) is written in place too: a writable C-contiguous float64 array of shape (k, 2). */
    a->history = NULL;
    a->history_capacity = 0;
    if (a->history_obj != NULL && a->history_obj != Py_None) {
        PyArrayObject *h = (PyArrayObject *)a->history_obj;
        if (!PyArray_Check(a->history_obj) || PyArray_TYPE(h) != NPY_DOUBLE || PyArray_NDIM(h) != 2 ||
            PyArray_DIM(h, 1) != 2 || !PyArray_ISCARRAY(h)) {
            PyErr_SetString(PyExc_ValueError, "history: expected a writable C-contiguous float64 array of shape (k, 2)");
            return -1;
        }
        a->history = PyArray_DATA(h);
        a->history_capacity = PyArray_DIM(h, 0);
    }
    return 0;
}

static void enet_release(enet_args *a)
{
    Py_XDECREF(a->y);
    Py_XDECREF(a->sample_weight);
    Py_XDECREF(a->weights);
    Py_XDECREF(a->coef);
}

/* (status, intercept, info) for OK / NOT_CONVERGED / CANCELLED; raises otherwise. */
static PyObject *enet_result(ns_status status, ns_progress_context *ctx, double intercept, const double *info)
{
    const char *format = "id(dddddd)";
    if (ctx->failed) /* KeyboardInterrupt or the callback's exception, with the state reached */
        return ns_interrupted(format, (int)status, intercept, info[0], info[1], info[2], info[3], info[4], info[5]);
    if (status != NS_OK && status != NS_NOT_CONVERGED && status != NS_CANCELLED) return ns_raise_status(status);
    return Py_BuildValue(format, (int)status, intercept, info[0], info[1], info[2], info[3], info[4], info[5]);
}

static PyObject *py_enet_fit_dense(PyObject *self, PyObject *args)
{
    PyObject *X_obj;
    enet_args a;
    int gram;
    a.history_obj = NULL;
    a.intercept = 0.0;
    if (!PyArg_ParseTuple(args, "OOOddOppdLiiOpOL|Od:enet_fit_dense", &X_obj, &a.y_obj, &a.sample_weight_obj, &a.alpha, &a.l1_ratio,
                          &a.weights_obj, &a.positive, &a.fit_intercept, &a.tol, &a.max_iter, &a.options, &gram,
                          &a.coef_obj, &a.warm_start, &a.callback, &a.every, &a.history_obj, &a.intercept))
        return NULL;
    PyArrayObject *X = ns_as_double_array(X_obj, 2, "X");
    if (X == NULL) return NULL;
    PyObject *result = NULL;
    a.y = a.sample_weight = a.weights = a.coef = NULL; /* released at done even when the strides are refused */
    int64_t rs, cs;
    if (ns_element_strides(X, &rs, &cs, "X") < 0 || enet_prepare(&a, PyArray_DIM(X, 0), PyArray_DIM(X, 1)) < 0)
        goto done;
    double intercept = a.intercept, info[6] = {0};
    ns_progress_context ctx = {a.callback, 0};
    ns_status status;
    Py_BEGIN_ALLOW_THREADS
    status = ns_enet_fit_dense(PyArray_DATA(X), PyArray_DIM(X, 0), PyArray_DIM(X, 1), rs, cs,
                               PyArray_DATA(a.y), NS_VEC_DATA(a.sample_weight), a.alpha, a.l1_ratio, NS_VEC_DATA(a.weights),
                               a.positive, a.fit_intercept, a.tol, a.max_iter, a.options, gram,
                               PyArray_DATA(a.coef), a.warm_start, &intercept, info, a.history, a.history_capacity,
                               ns_progress_trampoline, &ctx, a.every);
    Py_END_ALLOW_THREADS
    result = enet_result(status, &ctx, intercept, info);
done:
    enet_release(&a);
    Py_DECREF(X);
    return result;
}

static PyObject *py_enet_fit_csc(PyObject *self, PyObject *args)
{
    PyObject *data_obj, *indices_obj, *indptr_obj;
    Py_ssize_t n, p;
    enet_args a;
    a.history_obj = NULL;
    a.intercept = 0.0;
    if (!PyArg_ParseTuple(args, "OOOnnOOddOppdLiOpOL|Od:enet_fit_csc", &data_obj, &indices_obj, &indptr_obj, &n, &p,
                          &a.y_obj, &a.sample_weight_obj, &a.alpha, &a.l1_ratio, &a.weights_obj, &a.positive, &a.fit_intercept,
                          &a.tol, &a.max_iter, &a.options, &a.coef_obj, &a.warm_start, &a.callback, &a.every,
                          &a.history_obj, &a.intercept))
        return NULL;
    PyArrayObject *data = NULL, *indices = NULL, *indptr = NULL;
    PyObject *result = NULL;
    a.y = a.sample_weight = a.weights = a.coef = NULL;
    if (ns_optional_vector(data_obj, NPY_DOUBLE, "X.data", &data) < 0 ||
        ns_optional_vector(indices_obj, NPY_INT32, "X.indices", &indices) < 0 ||
        ns_optional_vector(indptr_obj, NPY_INT64, "X.indptr", &indptr) < 0)
        goto done;
    if (data == NULL || indices == NULL || indptr == NULL || n < 0 || p < 0 ||
        PyArray_SIZE(indptr) != p + 1 || PyArray_SIZE(indices) != PyArray_SIZE(data)) {
        PyErr_SetString(PyExc_ValueError, "X: inconsistent CSC arrays (data, indices, indptr, shape)");
        goto done;
    }
    if (enet_prepare(&a, n, p) < 0) goto done;
    double intercept = a.intercept, info[6] = {0};
    ns_progress_context ctx = {a.callback, 0};
    ns_status status;
    Py_BEGIN_ALLOW_THREADS
    status = ns_enet_fit_csc(PyArray_DATA(data), PyArray_DATA(indices), PyArray_DATA(indptr), PyArray_SIZE(data),
                             n, p, PyArray_DATA(a.y), NS_VEC_DATA(a.sample_weight), a.alpha, a.l1_ratio, NS_VEC_DATA(a.weights),
                             a.positive, a.fit_intercept, a.tol, a.max_iter, a.options,
                             PyArray_DATA(a.coef), a.warm_start, &intercept, info, a.history, a.history_capacity,
                             ns_progress_trampoline, &ctx, a.every);
    Py_END_ALLOW_THREADS
    result = enet_result(status, &ctx, intercept, info);
done:
    enet_release(&a);
    Py_XDECREF(data);
    Py_XDECREF(indices);
    Py_XDECREF(indptr);
    return result;
}

static PyObject *py_enet_alpha_max(PyObject *self, PyObject *args)
{
    PyObject *X_obj, *y_obj, *sample_weight_obj, *weights_obj, *sparse_shape;
    double l1_ratio;
    int positive, fit_intercept;
    if (!PyArg_ParseTuple(args, "OOOdOppO:enet_alpha_max", &X_obj, &y_obj, &sample_weight_obj, &l1_ratio, &weights_obj, &positive,
                          &fit_intercept, &sparse_shape))
        return NULL;
    PyArrayObject *y = NULL, *sample_weight = NULL, *weights = NULL, *X = NULL, *data = NULL, *indices = NULL, *indptr = NULL;
    PyObject *result = NULL;
    double out = 0.0;
    ns_status status;
    if (ns_optional_vector(y_obj, NPY_DOUBLE, "y", &y) < 0 ||
        ns_optional_vector(sample_weight_obj, NPY_DOUBLE, "sample_weight", &sample_weight) < 0 ||
        ns_optional_vector(weights_obj, NPY_DOUBLE, "weights", &weights) < 0)
        goto done;
    if (sparse_shape == Py_None) {
        X = ns_as_double_array(X_obj, 2, "X");
        int64_t rs, cs;
        if (X == NULL || ns_element_strides(X, &rs, &cs, "X") < 0) goto done;
        npy_intp n = PyArray_DIM(X, 0), p = PyArray_DIM(X, 1);
        if (y == NULL || PyArray_SIZE(y) != n || (weights && PyArray_SIZE(weights) != p) ||
            (sample_weight && PyArray_SIZE(sample_weight) != n)) {
            PyErr_SetString(PyExc_ValueError, "y or weights: length does not match X");
            goto done;
        }
        Py_BEGIN_ALLOW_THREADS
        status = ns_enet_alpha_max_dense(PyArray_DATA(X), n, p, rs, cs, PyArray_DATA(y), NS_VEC_DATA(sample_weight),
                                         l1_ratio,
                                         NS_VEC_DATA(weights), positive, fit_intercept, &out);
        Py_END_ALLOW_THREADS
    } else {
        Py_ssize_t n, p;
        PyObject *d, *i, *ip;
        if (!PyArg_ParseTuple(sparse_shape, "nn", &n, &p) || !PyArg_ParseTuple(X_obj, "OOO", &d, &i, &ip)) goto done;
        if (ns_optional_vector(d, NPY_DOUBLE, "X.data", &data) < 0 ||
            ns_optional_vector(i, NPY_INT32, "X.indices", &indices) < 0 ||
            ns_optional_vector(ip, NPY_INT64, "X.indptr", &indptr) < 0)
            goto done;
        if (data == NULL || indices == NULL || indptr == NULL || n < 0 || p < 0 ||
            PyArray_SIZE(indptr) != p + 1 || PyArray_SIZE(indices) != PyArray_SIZE(data) ||
            y == NULL || PyArray_SIZE(y) != n || (weights && PyArray_SIZE(weights) != p) ||
            (sample_weight && PyArray_SIZE(sample_weight) != n)) {
            PyErr_SetString(PyExc_ValueError, "X: inconsistent CSC arrays, y or weights");
            goto done;
        }
        Py_BEGIN_ALLOW_THREADS
        status = ns_enet_alpha_max_csc(PyArray_DATA(data), PyArray_DATA(indices), PyArray_DATA(indptr),
                                       PyArray_SIZE(data), n, p, PyArray_DATA(y), NS_VEC_DATA(sample_weight),
                                       l1_ratio, NS_VEC_DATA(weights),
                                       positive, fit_intercept, &out);
        Py_END_ALLOW_THREADS
    }
    result = status == NS_OK ? PyFloat_FromDouble(out) : ns_raise_status(status);
done:
    Py_XDECREF(y); Py_XDECREF(sample_weight); Py_XDECREF(weights); Py_XDECREF(X);
    Py_XDECREF(data); Py_XDECREF(indices); Py_XDECREF(indptr);
    return result;
}

PyMethodDef ns_enet_methods[] = {
    {"enet_fit_dense", py_enet_fit_dense, METH_VARARGS,
     "enet_fit_dense(X, y, sample_weight, alpha, l1_ratio, weights, positive, fit_intercept, tol, max_iter, options, gram, "
     "coef, warm_start, callback, every, history=None, intercept=0.0) -> (status, intercept, info)"},
    {"enet_fit_csc", py_enet_fit_csc, METH_VARARGS,
     "enet_fit_csc(data, indices, indptr, n, p, y, sample_weight, alpha, l1_ratio, weights, positive, fit_intercept, tol, "
     "max_iter, options, coef, warm_start, callback, every, history=None, intercept=0.0) -> (status, intercept, info)"},
    {"enet_alpha_max", py_enet_alpha_max, METH_VARARGS,
     "enet_alpha_max(X or (data, indices, indptr), y, sample_weight, l1_ratio, weights, positive, fit_intercept, shape or None)"},
    {NULL, NULL, 0, NULL},
};
