/*
 * nonsmooth._native — the CPython extension over the C ABI (nonsmooth.h).
 *
 * One job: convert NumPy arrays to (pointer, shape, strides-in-elements),
 * call the ABI with the GIL released, and turn status codes into Python
 * exceptions. Argument validation with user-facing messages happens in the
 * Python package; the checks here only keep the process safe.
 *
 * This file: module set-up, exceptions, shared array helpers, the progress
 * trampoline. The *_bindings.c files hold the wrappers, one per ABI area.
 */
#define NONSMOOTH_NATIVE_MAIN
#include "native.h"

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

static PyObject *NumericalError;
static PyObject *NotConvergedError;
static PyObject *CancelledError;
static PyObject *KinkError;

/* Sets the Python exception for a failed status and returns NULL. */
PyObject *ns_raise_status(ns_status status)
{
    return ns_raise_status_message(status, ns_last_error_message());
}

PyObject *ns_raise_status_message(ns_status status, const char *message)
{
    if (message == NULL || message[0] == '\0') message = "unknown error";
    switch (status) {
    case NS_INVALID_ARGUMENT: PyErr_SetString(PyExc_ValueError, message); break;
    case NS_NUMERICAL_ERROR:  PyErr_SetString(NumericalError, message); break;
    case NS_NOT_CONVERGED:    PyErr_SetString(NotConvergedError, message); break;
    case NS_CANCELLED:
        /* A pending KeyboardInterrupt from the progress callback wins. */
        if (!PyErr_Occurred()) PyErr_SetString(CancelledError, message);
        break;
    case NS_KINK:             PyErr_SetString(KinkError, message); break;
    case NS_OUT_OF_MEMORY:    PyErr_NoMemory(); break;
    default:                  PyErr_Format(PyExc_RuntimeError, "nonsmooth internal error: %s", message);
    }
    return NULL;
}

/* ---- array helpers --------------------------------------------------------- */

/* An aligned float64 view of `obj` with exactly `ndim` dimensions (a copy only if needed). */
PyArrayObject *ns_as_double_array(PyObject *obj, int ndim, const char *name)
{
    PyArrayObject *array = (PyArrayObject *)PyArray_FROMANY(obj, NPY_DOUBLE, ndim, ndim, NPY_ARRAY_ALIGNED);
    if (array == NULL) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s: expected a %d-D float64 array", name, ndim);
    }
    return array;
}

/* Strides in elements; fails (ValueError) if a byte stride is not a multiple of 8.
 * The stride of a dimension of length 0 or 1 is never used, so any value is
 * valid there (NumPy calls such a view aligned and contiguous) and 0 is passed. */
int ns_element_strides(PyArrayObject *array, int64_t *row_stride, int64_t *column_stride, const char *name)
{
    npy_intp s[2];
    for (int k = 0; k < 2; k++) {
        s[k] = PyArray_DIM(array, k) > 1 ? PyArray_STRIDES(array)[k] : 0;
        if (s[k] % (npy_intp)sizeof(double) != 0) {
            PyErr_Format(PyExc_ValueError, "%s: strides are not a multiple of the item size", name);
            return -1;
        }
    }
    *row_stride = (int64_t)(s[0] / (npy_intp)sizeof(double));
    *column_stride = (int64_t)(s[1] / (npy_intp)sizeof(double));
    return 0;
}

/* Optional contiguous 1-D array of the given type; None gives (NULL, 0). */
int ns_optional_vector(PyObject *obj, int type, const char *name, PyArrayObject **out)
{
    *out = NULL;
    if (obj == Py_None) return 0;
    *out = (PyArrayObject *)PyArray_FROMANY(obj, type, 1, 1, NPY_ARRAY_IN_ARRAY);
    if (*out == NULL) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s: expected a 1-D %s array", name,
                     type == NPY_DOUBLE ? "float64" : type == NPY_INT32 ? "int32" : "int64");
        return -1;
    }
    return 0;
}

/* The Swift side reads ns_matrix by byte offset (MatrixABI.swift). */
_Static_assert(sizeof(ns_matrix) == 72 && offsetof(ns_matrix, rows) == 8 && offsetof(ns_matrix, values) == 24 &&
                   offsetof(ns_matrix, row_stride) == 32 && offsetof(ns_matrix, indices) == 48 &&
                   offsetof(ns_matrix, indptr) == 56 && offsetof(ns_matrix, nnz) == 64,
               "ns_matrix layout is part of the ABI");

int ns_matrix_from_python(PyObject *X, PyObject *shape, const char *name, ns_matrix *m, ns_matrix_refs *refs)
{
    memset(m, 0, sizeof *m);
    memset(refs, 0, sizeof *refs);
    if (shape == Py_None) {
        refs->dense = ns_as_double_array(X, 2, name);
        if (refs->dense == NULL || ns_element_strides(refs->dense, &m->row_stride, &m->column_stride, name) < 0)
            return -1;
        m->format = NS_MATRIX_DENSE;
        m->rows = PyArray_DIM(refs->dense, 0);
        m->columns = PyArray_DIM(refs->dense, 1);
        m->values = PyArray_DATA(refs->dense);
        return 0;
    }
    Py_ssize_t n, p;
    PyObject *d, *i, *ip;
    if (!PyArg_ParseTuple(shape, "nn", &n, &p) || !PyArg_ParseTuple(X, "OOO", &d, &i, &ip)) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s: expected (data, indices, indptr) and a shape (n, p)", name);
        return -1;
    }
    if (ns_optional_vector(d, NPY_DOUBLE, name, &refs->data) < 0 ||
        ns_optional_vector(i, NPY_INT32, name, &refs->indices) < 0 ||
        ns_optional_vector(ip, NPY_INT64, name, &refs->indptr) < 0)
        return -1;
    /* Only what the core cannot check itself: the lengths of the arrays. */
    if (refs->data == NULL || refs->indices == NULL || refs->indptr == NULL || n < 0 || p < 0 ||
        PyArray_SIZE(refs->indptr) != p + 1 || PyArray_SIZE(refs->indices) != PyArray_SIZE(refs->data)) {
        PyErr_Format(PyExc_ValueError, "%s: inconsistent CSC arrays (data, indices, indptr, shape)", name);
        return -1;
    }
    m->format = NS_MATRIX_CSC;
    m->rows = n;
    m->columns = p;
    m->values = PyArray_DATA(refs->data);
    m->indices = PyArray_DATA(refs->indices);
    m->indptr = PyArray_DATA(refs->indptr);
    m->nnz = PyArray_SIZE(refs->data);
    return 0;
}

void ns_matrix_release(ns_matrix_refs *refs)
{
    Py_XDECREF(refs->dense);
    Py_XDECREF(refs->data);
    Py_XDECREF(refs->indices);
    Py_XDECREF(refs->indptr);
    memset(refs, 0, sizeof *refs);
}

/* ---- progress trampoline ------------------------------------------------------- */

int32_t ns_progress_trampoline(void *context, int64_t iteration, double certificate)
{
    ns_progress_context *ctx = (ns_progress_context *)context;
    PyGILState_STATE gil = PyGILState_Ensure();
    int32_t stop = 0;
    if (PyErr_CheckSignals() < 0) {
        stop = 1;
    } else if (iteration >= 0 && ctx != NULL && ctx->callback != NULL && ctx->callback != Py_None) {
        /* iteration -1: a cancellation check between the regular calls (nonsmooth.h) */
        PyObject *r = PyObject_CallFunction(ctx->callback, "Ld", (long long)iteration, certificate);
        if (r == NULL) {
            stop = 1;
        } else {
            stop = (r == Py_False);
            Py_DECREF(r);
        }
    }
    if (stop && ctx != NULL && PyErr_Occurred()) ctx->failed = 1;
    PyGILState_Release(gil);
    return stop;
}

PyObject *ns_interrupted(const char *format, ...)
{
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    va_list va;
    va_start(va, format);
    PyObject *state = Py_VaBuildValue(format, va);
    va_end(va);
    /* Without memory for the state, or for an exception that takes no attributes,
     * the state is lost, never the exception. */
    if (state == NULL || value == NULL || PyObject_SetAttrString(value, "native_state", state) < 0) PyErr_Clear();
    Py_XDECREF(state);
    PyErr_Restore(type, value, traceback);
    return NULL;
}

/* The interrupt check of the calls without a progress callback (ns_set_interrupt_check):
 * leaves KeyboardInterrupt pending, which ns_raise_status(NS_CANCELLED) then raises. */
static int32_t interrupt_check(void)
{
    PyGILState_STATE gil = PyGILState_Ensure();
    int32_t stop = PyErr_CheckSignals() < 0;
    PyGILState_Release(gil);
    return stop;
}

static PyObject *py_set_num_threads(PyObject *self, PyObject *arg)
{
    long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred()) return NULL;
    if (n < 1 || n > 256) {
        PyErr_SetString(PyExc_ValueError, "n_threads: must be between 1 and 256");
        return NULL;
    }
    ns_status status = ns_set_num_threads((int32_t)n);
    if (status != NS_OK) return ns_raise_status(status);
    Py_RETURN_NONE;
}

static PyObject *py_get_num_threads(PyObject *self, PyObject *unused)
{
    return PyLong_FromLong(ns_get_num_threads());
}

static PyObject *py_set_autodiff_threads(PyObject *self, PyObject *arg)
{
    long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred()) return NULL;
    if (n < 0 || n > 256) {
        PyErr_SetString(PyExc_ValueError, "n_threads: must be between 0 and 256");
        return NULL;
    }
    ns_status status = ns_set_autodiff_threads((int32_t)n);
    if (status != NS_OK) return ns_raise_status(status);
    Py_RETURN_NONE;
}

static PyObject *py_get_autodiff_threads(PyObject *self, PyObject *unused)
{
    return PyLong_FromLong(ns_get_autodiff_threads());
}

static PyObject *py_live_handles(PyObject *self, PyObject *unused)
{
    return PyLong_FromLongLong((long long)ns_live_handles());
}

static PyObject *py_version(PyObject *self, PyObject *unused)
{
    return PyUnicode_FromString(ns_version());
}

static PyMethodDef methods[] = {
    {"version", py_version, METH_NOARGS, "Version of the native library."},
    {"set_num_threads", py_set_num_threads, METH_O, "Threads of BLAS/LAPACK inside the core."},
    {"get_num_threads", py_get_num_threads, METH_NOARGS, "Threads of BLAS/LAPACK inside the core."},
    {"set_autodiff_threads", py_set_autodiff_threads, METH_O, "Threads of the autodiff engine's large products."},
    {"get_autodiff_threads", py_get_autodiff_threads, METH_NOARGS, "Threads of the autodiff engine's large products."},
    {"live_handles", py_live_handles, METH_NOARGS, "Native handles created and not yet destroyed (leak checks)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native", "nonsmooth native core", -1, methods};

PyMODINIT_FUNC PyInit__native(void)
{
    import_array();
    ns_set_interrupt_check(interrupt_check);
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddFunctions(m, ns_prox_methods) < 0 || PyModule_AddFunctions(m, ns_enet_methods) < 0 ||
        PyModule_AddFunctions(m, ns_bilevel_methods) < 0 || PyModule_AddFunctions(m, ns_solver_methods) < 0 ||
        PyModule_AddFunctions(m, ns_autodiff_methods) < 0 ||
        PyModule_AddFunctions(m, ns_training_methods) < 0 || PyModule_AddFunctions(m, ns_glm_methods) < 0 ||
        PyModule_AddFunctions(m, ns_multitask_methods) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    NumericalError = PyErr_NewExceptionWithDoc(
        "nonsmooth.NumericalError", "A numerical routine (e.g. LAPACK) failed.", PyExc_ArithmeticError, NULL);
    NotConvergedError = PyErr_NewExceptionWithDoc(
        "nonsmooth.NotConvergedError", "An iterative method did not reach its tolerance.", PyExc_RuntimeError, NULL);
    CancelledError = PyErr_NewExceptionWithDoc(
        "nonsmooth.CancelledError", "A long-running computation was stopped by its callback.", PyExc_RuntimeError, NULL);
    KinkError = PyErr_NewExceptionWithDoc(
        "nonsmooth.KinkError",
        "A strict kink policy met a point where a primitive is not differentiable.", PyExc_ValueError, NULL);
    if (NumericalError == NULL || NotConvergedError == NULL || CancelledError == NULL || KinkError == NULL ||
        PyModule_AddObjectRef(m, "NumericalError", NumericalError) < 0 ||
        PyModule_AddObjectRef(m, "NotConvergedError", NotConvergedError) < 0 ||
        PyModule_AddObjectRef(m, "CancelledError", CancelledError) < 0 ||
        PyModule_AddObjectRef(m, "KinkError", KinkError) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
