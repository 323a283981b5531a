/* Proximal operators: wrappers of ns_prox_* (see nonsmooth.h). */
#include "native.h"

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
    if (ns_optional_vector(scalars_obj, NPY_DOUBLE, "scalars", &scalars) < 0 ||
        ns_optional_vector(a_obj, NPY_DOUBLE, "a", &a) < 0 ||
        ns_optional_vector(b_obj, NPY_DOUBLE, "b", &b) < 0 ||
        ns_optional_vector(ptr_obj, NPY_INT64, "group_pointers", &ptr) < 0 ||
        ns_optional_vector(idx_obj, NPY_INT64, "group_indices", &idx) < 0)
        goto done;
    ns_prox *prox = NULL;
    ns_status status = ns_prox_create(kind, NS_VEC_DATA(scalars), NS_VEC_SIZE(scalars), NS_VEC_DATA(a), NS_VEC_SIZE(a),
                                      NS_VEC_DATA(b), NS_VEC_SIZE(b), NS_VEC_DATA(ptr), NS_VEC_SIZE(ptr),
                                      NS_VEC_DATA(idx), NS_VEC_SIZE(idx), &prox);
    if (status != NS_OK) {
        ns_raise_status(status);
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
    if (status != NS_OK) return ns_raise_status(status);
    return PyBool_FromLong(is_matrix);
}

typedef ns_status (*prox_map)(const ns_prox *, const double *, int64_t, int64_t, int64_t, int64_t, double *);

/* Shared body of value / subgradient: x (2-D) -> new array of `out_shape`. */
static PyObject *call_prox_map(PyObject *capsule, PyObject *x_obj, prox_map fn, int values_only)
{
    ns_prox *prox = prox_from_capsule(capsule);
    if (prox == NULL) return NULL;
    PyArrayObject *x = ns_as_double_array(x_obj, 2, "x");
    if (x == NULL) return NULL;
    PyObject *result = NULL;
    int64_t rs, cs;
    if (ns_element_strides(x, &rs, &cs, "x") < 0) goto done;
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
        ns_raise_status(status);
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
    PyArrayObject *v = ns_as_double_array(v_obj, 2, "v");
    if (v == NULL) return NULL;
    PyObject *result = NULL;
    int64_t rs, cs;
    if (ns_element_strides(v, &rs, &cs, "v") < 0) goto done;
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
        ns_raise_status(status);
    }
done:
    Py_DECREF(v);
    return result;
}

PyMethodDef ns_prox_methods[] = {
    {"prox_create", py_prox_create, METH_VARARGS,
     "prox_create(kind, scalars, a, b, group_pointers, group_indices) -> handle"},
    {"prox_is_matrix", py_prox_is_matrix, METH_O, "prox_is_matrix(handle) -> bool"},
    {"prox_apply", py_prox_apply, METH_VARARGS, "prox_apply(handle, v2d, step) -> ndarray"},
    {"prox_value", py_prox_value, METH_VARARGS, "prox_value(handle, x2d) -> ndarray"},
    {"prox_subgradient", py_prox_subgradient, METH_VARARGS, "prox_subgradient(handle, x2d) -> ndarray"},
    {NULL, NULL, 0, NULL},
};
