/*
 * Shared declarations of the nonsmooth._native extension (one module, one
 * source file per area of the C ABI).
 */
#ifndef NONSMOOTH_NATIVE_H
#define NONSMOOTH_NATIVE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_22_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL nonsmooth_ARRAY_API
#ifndef NONSMOOTH_NATIVE_MAIN
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

#include "nonsmooth.h"

/* Sets the Python exception for a failed status (message from the ABI) and returns NULL. */
PyObject *ns_raise_status(ns_status status);

/* An aligned float64 view of obj with exactly ndim dimensions (a copy only if needed). */
PyArrayObject *ns_as_double_array(PyObject *obj, int ndim, const char *name);

/* Strides of a 2-D array in elements; -1 with ValueError if not a multiple of 8 bytes. */
int ns_element_strides(PyArrayObject *array, int64_t *row_stride, int64_t *column_stride, const char *name);

/* Optional contiguous 1-D array of the given NumPy type; None gives NULL. */
int ns_optional_vector(PyObject *obj, int type, const char *name, PyArrayObject **out);

#define NS_VEC_DATA(a) ((a) ? PyArray_DATA(a) : NULL)
#define NS_VEC_SIZE(a) ((a) ? (int64_t)PyArray_SIZE(a) : 0)

/*
 * The ABI progress callback for Python: takes the GIL, checks for Ctrl-C
 * (KeyboardInterrupt stops the loop) and calls the optional Python callable
 * context->callback(iteration, certificate); a False return or an exception stops.
 */
typedef struct {
    PyObject *callback;   /* borrowed; may be NULL or None */
    int failed;           /* set when an exception is pending */
} ns_progress_context;

int32_t ns_progress_trampoline(void *context, int64_t iteration, double certificate);

extern PyMethodDef ns_prox_methods[];
extern PyMethodDef ns_enet_methods[];
extern PyMethodDef ns_bilevel_methods[];
extern PyMethodDef ns_solver_methods[];
extern PyMethodDef ns_autodiff_methods[];

#endif
