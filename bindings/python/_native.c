/*
 * nonsmooth._native — the CPython extension over the C ABI (nonsmooth.h).
 *
 * One job: convert NumPy arrays to (pointer, shape, strides-in-elements),
 * call the ABI with the GIL released, and turn status codes into Python
 * exceptions. Argument validation with user-facing messages happens in the
 * Python package; the checks here only keep the process safe.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_22_API_VERSION
#include <numpy/arrayobject.h>

#include "nonsmooth.h"

static PyObject *NumericalError;
static PyObject *NotConvergedError;
static PyObject *CancelledError;

/* Sets the Python exception for a failed status and returns NULL. */
static PyObject *raise_status(ns_status status)
{
    const char *message = ns_last_error_message();
    if (message == NULL || message[0] == '\0') message = "unknown error";
    switch (status) {
    case NS_INVALID_ARGUMENT: PyErr_SetString(PyExc_ValueError, message); break;
    case NS_NUMERICAL_ERROR:  PyErr_SetString(NumericalError, message); break;
    case NS_NOT_CONVERGED:    PyErr_SetString(NotConvergedError, message); break;
    case NS_CANCELLED:
        /* A pending KeyboardInterrupt from the progress callback wins. */
        if (!PyErr_Occurred()) PyErr_SetString(CancelledError, message);
        break;
    case NS_OUT_OF_MEMORY:    PyErr_NoMemory(); break;
    default:                  PyErr_Format(PyExc_RuntimeError, "nonsmooth internal error: %s", message);
    }
    return NULL;
}

/* ---- array helpers --------------------------------------------------------- */

/* An aligned float64 view of `obj` with exactly `ndim` dimensions (a copy only if needed). */
static PyArrayObject *as_double_array(PyObject *obj, int ndim, const char *name)
{
    PyArrayObject *array = (PyArrayObject *)PyArray_FROMANY(obj, NPY_DOUBLE, ndim, ndim, NPY_ARRAY_ALIGNED);
    if (array == NULL) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s: expected a %d-D float64 array", name, ndim);
    }
    return array;
}

/* Strides in elements; fails (ValueError) if a byte stride is not a multiple of 8. */
static int element_strides(PyArrayObject *array, int64_t *row_stride, int64_t *column_stride, const char *name)
{
    npy_intp *s = PyArray_STRIDES(array);
    if (s[0] % (npy_intp)sizeof(double) != 0 || s[1] % (npy_intp)sizeof(double) != 0) {
        PyErr_Format(PyExc_ValueError, "%s: strides are not a multiple of the item size", name);
        return -1;
    }
    *row_stride = (int64_t)(s[0] / (npy_intp)sizeof(double));
    *column_stride = (int64_t)(s[1] / (npy_intp)sizeof(double));
    return 0;
}

/* Optional contiguous 1-D array of the given type; None gives (NULL, 0). */
static int optional_vector(PyObject *obj, int type, const char *name, PyArrayObject **out)
{
    *out = NULL;
    if (obj == Py_None) return 0;
    *out = (PyArrayObject *)PyArray_FROMANY(obj, type, 1, 1, NPY_ARRAY_IN_ARRAY);
    if (*out == NULL) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s: expected a 1-D %s array", name,
                     type == NPY_DOUBLE ? "float64" : "int64");
        return -1;
    }
    return 0;
}

#define VEC_DATA(a) ((a) ? PyArray_DATA(a) : NULL)
#define VEC_SIZE(a) ((a) ? (int64_t)PyArray_SIZE(a) : 0)

/* ---- proximal operators ---------------------------------------------------- */

static const char *PROX_CAPSULE = "nonsmooth.prox";

static void prox_capsule_destroy(PyObject *capsule)
{
    ns_prox_destroy((ns_prox *)PyCapsule_GetPointer(capsule, PROX_CAPSULE));
}

static ns_prox *prox_from_capsule(PyObject *capsule)
{
    ns_prox *prox = (ns_prox *)PyCapsule_GetPointer(capsule, PROX_CAPSULE);
    if (prox == NULL && !PyErr_Occurred())
        PyErr_SetString(PyExc_TypeError, "prox: expected an operator handle");
    return prox;
}

static PyObject *py_prox_create(PyObject *self, PyObject *args)
{
    const char *kind;
    PyObject *scalars_obj, *a_obj, *b_obj, *ptr_obj, *idx_obj;
    if (!PyArg_ParseTuple(args, "sOOOOO:prox_create", &kind, &scalars_obj, &a_obj, &b_obj, &ptr_obj, &idx_obj))
        return NULL;
    PyArrayObject *scalars = NULL, *a = NULL, *b = NULL, *ptr = NULL, *idx = NULL;
    PyObject *result = NULL;
    if (optional_vector(scalars_obj, NPY_DOUBLE, "scalars", &scalars) < 0 ||
        optional_vector(a_obj, NPY_DOUBLE, "a", &a) < 0 ||
        optional_vector(b_obj, NPY_DOUBLE, "b", &b) < 0 ||
        optional_vector(ptr_obj, NPY_INT64, "group_pointers", &ptr) < 0 ||
        optional_vector(idx_obj, NPY_INT64, "group_indices", &idx) < 0)
        goto done;
    ns_prox *prox = NULL;
    ns_status status = ns_prox_create(kind, VEC_DATA(scalars), VEC_SIZE(scalars), VEC_DATA(a), VEC_SIZE(a),
                                      VEC_DATA(b), VEC_SIZE(b), VEC_DATA(ptr), VEC_SIZE(ptr),
                                      VEC_DATA(idx), VEC_SIZE(idx), &prox);
    if (status != NS_OK) {
        raise_status(status);
        goto done;
    }
    result = PyCapsule_New(prox, PROX_CAPSULE, prox_capsule_destroy);
    if (result == NULL) ns_prox_destroy(prox);
done:
    Py_XDECREF(scalars); Py_XDECREF(a); Py_XDECREF(b); Py_XDECREF(ptr); Py_XDECREF(idx);
    return result;
}

static PyObject *py_prox_is_matrix(PyObject *self, PyObject *capsule)
{
    ns_prox *prox = prox_from_capsule(capsule);
    if (prox == NULL) return NULL;
    int32_t is_matrix = 0;
    ns_status status = ns_prox_is_matrix(prox, &is_matrix);
    if (status != NS_OK) return raise_status(status);
    return PyBool_FromLong(is_matrix);
}

typedef ns_status (*prox_map)(const ns_prox *, const double *, int64_t, int64_t, int64_t, int64_t, double *);

/* Shared body of value / subgradient: x (2-D) -> new array of `out_shape`. */
static PyObject *call_prox_map(PyObject *capsule, PyObject *x_obj, prox_map fn, int values_only)
{
    ns_prox *prox = prox_from_capsule(capsule);
    if (prox == NULL) return NULL;
    PyArrayObject *x = as_double_array(x_obj, 2, "x");
    if (x == NULL) return NULL;
    PyObject *result = NULL;
    int64_t rs, cs;
    if (element_strides(x, &rs, &cs, "x") < 0) goto done;
    npy_intp rows = PyArray_DIM(x, 0), columns = PyArray_DIM(x, 1);
    int32_t is_matrix = 0;
    ns_prox_is_matrix(prox, &is_matrix);
    npy_intp shape[2] = {rows, columns};
    if (values_only) shape[0] = is_matrix ? 1 : rows;
    result = PyArray_SimpleNew(values_only ? 1 : 2, shape, NPY_DOUBLE);
    if (result == NULL) goto done;
    ns_status status;
    Py_BEGIN_ALLOW_THREADS
    status = fn(prox, (const double *)PyArray_DATA(x), rows, columns, rs, cs,
                (double *)PyArray_DATA((PyArrayObject *)result));
    Py_END_ALLOW_THREADS
    if (status != NS_OK) {
        Py_CLEAR(result);
        raise_status(status);
    }
done:
    Py_DECREF(x);
    return result;
}

static PyObject *py_prox_value(PyObject *self, PyObject *args)
{
    PyObject *capsule, *x;
    if (!PyArg_ParseTuple(args, "OO:prox_value", &capsule, &x)) return NULL;
    return call_prox_map(capsule, x, ns_prox_value, 1);
}

static PyObject *py_prox_subgradient(PyObject *self, PyObject *args)
{
    PyObject *capsule, *x;
    if (!PyArg_ParseTuple(args, "OO:prox_subgradient", &capsule, &x)) return NULL;
    return call_prox_map(capsule, x, ns_prox_subgradient, 0);
}

static PyObject *py_prox_apply(PyObject *self, PyObject *args)
{
    PyObject *capsule, *v_obj;
    double step;
    if (!PyArg_ParseTuple(args, "OOd:prox_apply", &capsule, &v_obj, &step)) return NULL;
    ns_prox *prox = prox_from_capsule(capsule);
    if (prox == NULL) return NULL;
    PyArrayObject *v = as_double_array(v_obj, 2, "v");
    if (v == NULL) return NULL;
    PyObject *result = NULL;
    int64_t rs, cs;
    if (element_strides(v, &rs, &cs, "v") < 0) goto done;
    npy_intp rows = PyArray_DIM(v, 0), columns = PyArray_DIM(v, 1);
    npy_intp shape[2] = {rows, columns};
    result = PyArray_SimpleNew(2, shape, NPY_DOUBLE);
    if (result == NULL) goto done;
    ns_status status;
    Py_BEGIN_ALLOW_THREADS
    status = ns_prox_apply(prox, step, (const double *)PyArray_DATA(v), rows, columns, rs, cs,
                           (double *)PyArray_DATA((PyArrayObject *)result));
    Py_END_ALLOW_THREADS
    if (status != NS_OK) {
        Py_CLEAR(result);
        raise_status(status);
    }
done:
    Py_DECREF(v);
    return result;
}

static PyObject *py_version(PyObject *self, PyObject *unused)
{
    return PyUnicode_FromString(ns_version());
}

static PyMethodDef methods[] = {
    {"version", py_version, METH_NOARGS, "Version of the native library."},
    {"prox_create", py_prox_create, METH_VARARGS,
     "prox_create(kind, scalars, a, b, group_pointers, group_indices) -> handle"},
    {"prox_is_matrix", py_prox_is_matrix, METH_O, "prox_is_matrix(handle) -> bool"},
    {"prox_apply", py_prox_apply, METH_VARARGS, "prox_apply(handle, v2d, step) -> ndarray"},
    {"prox_value", py_prox_value, METH_VARARGS, "prox_value(handle, x2d) -> ndarray"},
    {"prox_subgradient", py_prox_subgradient, METH_VARARGS, "prox_subgradient(handle, x2d) -> ndarray"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native", "nonsmooth native core", -1, methods};

PyMODINIT_FUNC PyInit__native(void)
{
    import_array();
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    NumericalError = PyErr_NewExceptionWithDoc(
        "nonsmooth.NumericalError", "A numerical routine (e.g. LAPACK) failed.", PyExc_ArithmeticError, NULL);
    NotConvergedError = PyErr_NewExceptionWithDoc(
        "nonsmooth.NotConvergedError", "An iterative method did not reach its tolerance.", PyExc_RuntimeError, NULL);
    CancelledError = PyErr_NewExceptionWithDoc(
        "nonsmooth.CancelledError", "A long-running computation was stopped by its callback.", PyExc_RuntimeError, NULL);
    if (NumericalError == NULL || NotConvergedError == NULL || CancelledError == NULL ||
        PyModule_AddObjectRef(m, "NumericalError", NumericalError) < 0 ||
        PyModule_AddObjectRef(m, "NotConvergedError", NotConvergedError) < 0 ||
        PyModule_AddObjectRef(m, "CancelledError", CancelledError) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
