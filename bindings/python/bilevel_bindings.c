/* Bilevel tuning: wrapper of ns_bilevel_hypergradient_* (see nonsmooth.h). */
#include "native.h"

/*
 * bilevel_hypergradient(X, shape, y, means, beta, criterion_gradient, l1, l2, model, method,
 *                       tol, max_iter, equicorrelation_tol, rcond_threshold, cholesky_max, ridge_scale,
 *                       warm_support, warm_jacobian, callback, every)
 *   -> (status, hypergradient, jacobian or None, diagnostics)
 *
 * X is a 2-D float64 array when shape is None, else the tuple (data, indices, indptr) of a
 * CSC matrix of the given (n, p) shape. means, warm_support and warm_jacobian may be None.
 * status is NS_OK or NS_NOT_CONVERGED (outputs filled); other statuses raise.
 */
static PyObject *py_bilevel_hypergradient(PyObject *self, PyObject *args)
{
    PyObject *X_obj, *shape, *y_obj, *means_obj, *beta_obj, *grad_obj, *l1_obj, *warm_support_obj,
        *warm_jacobian_obj, *callback;
    double l2, tol, eq_tol, rcond, ridge_scale;
    int model, method;
    long long max_iter, cholesky_max, every;
    if (!PyArg_ParseTuple(args, "OOOOOOOdiidLddLdOOOL:bilevel_hypergradient", &X_obj, &shape, &y_obj, &means_obj,
                          &beta_obj, &grad_obj, &l1_obj, &l2, &model, &method, &tol, &max_iter, &eq_tol, &rcond,
                          &cholesky_max, &ridge_scale, &warm_support_obj, &warm_jacobian_obj, &callback, &every))
        return NULL;
    PyArrayObject *X = NULL, *data = NULL, *indices = NULL, *indptr = NULL, *y = NULL, *means = NULL, *beta = NULL,
                  *grad = NULL, *l1 = NULL, *warm_support = NULL, *warm_jacobian = NULL, *out = NULL, *jac = NULL;
    PyObject *result = NULL;
    Py_ssize_t n, p;
    int64_t rs = 0, cs = 0;
    if (shape == Py_None) {
        X = ns_as_double_array(X_obj, 2, "X");
        if (X == NULL || ns_element_strides(X, &rs, &cs, "X") < 0) goto done;
        n = PyArray_DIM(X, 0);
        p = PyArray_DIM(X, 1);
    } else {
        PyObject *d, *i, *ip;
        if (!PyArg_ParseTuple(shape, "nn", &n, &p) || !PyArg_ParseTuple(X_obj, "OOO", &d, &i, &ip)) goto done;
        if (ns_optional_vector(d, NPY_DOUBLE, "X.data", &data) < 0 ||
            ns_optional_vector(i, NPY_INT32, "X.indices", &indices) < 0 ||
            ns_optional_vector(ip, NPY_INT64, "X.indptr", &indptr) < 0)
            goto done;
        if (data == NULL || indices == NULL || indptr == NULL || n < 0 || p < 0 ||
            PyArray_SIZE(indptr) != p + 1 || PyArray_SIZE(indices) != PyArray_SIZE(data)) {
            PyErr_SetString(PyExc_ValueError, "X: inconsistent CSC arrays (data, indices, indptr, shape)");
            goto done;
        }
    }
    if (ns_optional_vector(y_obj, NPY_DOUBLE, "y", &y) < 0 ||
        ns_optional_vector(means_obj, NPY_DOUBLE, "means", &means) < 0 ||
        ns_optional_vector(beta_obj, NPY_DOUBLE, "beta", &beta) < 0 ||
        ns_optional_vector(grad_obj, NPY_DOUBLE, "criterion_gradient", &grad) < 0 ||
        ns_optional_vector(l1_obj, NPY_DOUBLE, "l1", &l1) < 0 ||
        ns_optional_vector(warm_support_obj, NPY_INT64, "warm_support", &warm_support) < 0)
        goto done;
    if (y == NULL || PyArray_SIZE(y) != n) { PyErr_Format(PyExc_ValueError, "y: expected %zd entries", n); goto done; }
    if (means != NULL && PyArray_SIZE(means) != p) {
        PyErr_Format(PyExc_ValueError, "means: expected %zd entries", p);
        goto done;
    }
    if (beta == NULL || PyArray_SIZE(beta) != p) { PyErr_Format(PyExc_ValueError, "beta: expected %zd entries", p); goto done; }
    if (grad == NULL || PyArray_SIZE(grad) != p) {
        PyErr_Format(PyExc_ValueError, "criterion_gradient: expected %zd entries", p);
        goto done;
    }
    if (l1 == NULL || PyArray_SIZE(l1) != p) { PyErr_Format(PyExc_ValueError, "l1: expected %zd entries", p); goto done; }
    if (model < 0 || model > 2) { PyErr_Format(PyExc_ValueError, "model: must be 0, 1 or 2, got %d", model); goto done; }

    /* Sizes of the outputs: the hypergradient has 1, 2 or p entries; the support Jacobian |S| × q. */
    npy_intp k = 0;
    const double *b = PyArray_DATA(beta);
    for (npy_intp j = 0; j < p; j++) k += (b[j] != 0.0);
    npy_intp q_out = model == 0 ? 1 : model == 1 ? 2 : p;
    npy_intp q_jac = model == 0 ? 1 : model == 1 ? 2 : k;
    npy_intp warm_count = warm_support ? PyArray_SIZE(warm_support) : 0;
    if (warm_count > 0) {
        npy_intp warm_columns = model == 0 ? 1 : model == 1 ? 2 : warm_count;
        warm_jacobian = (PyArrayObject *)PyArray_FROMANY(warm_jacobian_obj, NPY_DOUBLE, 1, 2, NPY_ARRAY_IN_ARRAY);
        if (warm_jacobian == NULL || PyArray_SIZE(warm_jacobian) != warm_count * warm_columns) {
            if (warm_jacobian == NULL) PyErr_Clear();
            PyErr_Format(PyExc_ValueError, "warm_jacobian: expected %zd × %zd entries", (Py_ssize_t)warm_count,
                         (Py_ssize_t)warm_columns);
            goto done;
        }
    }
    npy_intp out_dims[1] = {q_out};
    out = (PyArrayObject *)PyArray_ZEROS(1, out_dims, NPY_DOUBLE, 0);
    if (out == NULL) goto done;
    if (method == 1) {
        npy_intp jac_dims[2] = {k, q_jac};
        jac = (PyArrayObject *)PyArray_ZEROS(2, jac_dims, NPY_DOUBLE, 0);
        if (jac == NULL) goto done;
    }
    double diagnostics[NS_HG_DIAGNOSTICS] = {0};
    ns_progress_context ctx = {callback, 0};
    ns_status status;
    Py_BEGIN_ALLOW_THREADS
    if (X != NULL) {
        status = ns_bilevel_hypergradient_dense(
            PyArray_DATA(X), n, p, rs, cs, PyArray_DATA(y), NS_VEC_DATA(means), PyArray_DATA(beta),
            PyArray_DATA(grad), PyArray_DATA(l1), l2, model, method, tol, max_iter, eq_tol, rcond, cholesky_max,
            ridge_scale, NS_VEC_DATA(warm_support), warm_count, warm_jacobian ? PyArray_DATA(warm_jacobian) : NULL,
            PyArray_DATA(out), jac ? PyArray_DATA(jac) : NULL, jac ? (int64_t)PyArray_SIZE(jac) : 0, diagnostics,
            ns_progress_trampoline, &ctx, every);
    } else {
        status = ns_bilevel_hypergradient_csc(
            PyArray_DATA(data), PyArray_DATA(indices), PyArray_DATA(indptr), PyArray_SIZE(data), n, p,
            PyArray_DATA(y), NS_VEC_DATA(means), PyArray_DATA(beta), PyArray_DATA(grad), PyArray_DATA(l1), l2,
            model, method, tol, max_iter, eq_tol, rcond, cholesky_max, ridge_scale, NS_VEC_DATA(warm_support),
            warm_count, warm_jacobian ? PyArray_DATA(warm_jacobian) : NULL, PyArray_DATA(out),
            jac ? PyArray_DATA(jac) : NULL, jac ? (int64_t)PyArray_SIZE(jac) : 0, diagnostics,
            ns_progress_trampoline, &ctx, every);
    }
    Py_END_ALLOW_THREADS
    if (ctx.failed) goto done; /* KeyboardInterrupt or the callback's exception */
    if (status != NS_OK && status != NS_NOT_CONVERGED) {
        ns_raise_status(status);
        goto done;
    }
    PyObject *diag = PyTuple_New(NS_HG_DIAGNOSTICS);
    if (diag == NULL) goto done;
    for (int i = 0; i < NS_HG_DIAGNOSTICS; i++) {
        PyObject *v = PyFloat_FromDouble(diagnostics[i]);
        if (v == NULL) { Py_DECREF(diag); goto done; }
        PyTuple_SET_ITEM(diag, i, v);
    }
    result = Py_BuildValue("iOON", (int)status, (PyObject *)out, jac ? (PyObject *)jac : Py_None, diag);
done:
    Py_XDECREF(X); Py_XDECREF(data); Py_XDECREF(indices); Py_XDECREF(indptr);
    Py_XDECREF(y); Py_XDECREF(means); Py_XDECREF(beta); Py_XDECREF(grad); Py_XDECREF(l1);
    Py_XDECREF(warm_support); Py_XDECREF(warm_jacobian); Py_XDECREF(out); Py_XDECREF(jac);
    return result;
}

PyMethodDef ns_bilevel_methods[] = {
    {"bilevel_hypergradient", py_bilevel_hypergradient, METH_VARARGS,
     "bilevel_hypergradient(X, shape, y, means, beta, criterion_gradient, l1, l2, model, method, tol, max_iter, "
     "equicorrelation_tol, rcond_threshold, cholesky_max, ridge_scale, warm_support, warm_jacobian, callback, "
     "every) -> (status, hypergradient, jacobian or None, diagnostics)"},
    {NULL, NULL, 0, NULL},
};
