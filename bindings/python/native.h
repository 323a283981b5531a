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
/* The same with the message given (read on another thread). */
PyObject *ns_raise_status_message(ns_status status, const char *message);

/* An aligned float64 view of obj with exactly ndim dimensions (a copy only if needed). */
PyArrayObject *ns_as_double_array(PyObject *obj, int ndim, const char *name);

/* Strides of a 2-D array in elements; -1 with ValueError if not a multiple of 8 bytes. */
int ns_element_strides(PyArrayObject *array, int64_t *row_stride, int64_t *column_stride, const char *name);

/* Optional contiguous 1-D array of the given NumPy type; None gives NULL. */
int ns_optional_vector(PyObject *obj, int type, const char *name, PyArrayObject **out);

/* The arrays behind an ns_matrix built by ns_matrix_from_python (owned references). */
typedef struct {
    PyArrayObject *dense, *data, *indices, *indptr;
} ns_matrix_refs;

/* An ns_matrix from Python: X is a 2-D float64 array (any strides) when shape is None,
 * else the tuple (data, indices, indptr) of a CSC matrix of shape (n, p) (1-D float64 /
 * int64 arrays). Errors name the argument. Release the references with ns_matrix_release
 * (also after a failure). */
int ns_matrix_from_python(PyObject *X, PyObject *shape, const char *name, ns_matrix *m, ns_matrix_refs *refs);
void ns_matrix_release(ns_matrix_refs *refs);

/* An optional vector of exactly n float64 entries (any n when n < 0); None gives NULL (glm_bindings.c). */
int sized_vector(PyObject *obj, npy_intp n, const char *name, PyArrayObject **out);

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

/* A loop stopped by the trampoline with an exception pending (Ctrl-C or the callback's
 * own exception): sets exc.native_state = Py_BuildValue(format, ...) (the loop's raw
 * outputs) on the pending exception, which the Python layer turns into exc.result
 * (nonsmooth/_interrupt.py). Returns NULL, for `return ns_interrupted(...)`. */
PyObject *ns_interrupted(const char *format, ...);

/* A list of buffers of NumPy type `type` (NPY_DOUBLE or NPY_FLOAT) from a Python
 * sequence of arrays (autodiff_bindings.c): inputs are converted (a copy only if
 * needed), writeable outputs must be C-contiguous arrays of that type; with
 * allow_none, None entries give NULL. */
typedef struct {
    Py_ssize_t n;
    PyArrayObject **arrays;
    void **data;
    int64_t *sizes;
} buffer_list;

int buffer_list_init(buffer_list *list, PyObject *seq, const char *name, int writeable, int allow_none, int type);

/* The NumPy type of an ns_dtype (NS_FLOAT64 -> NPY_DOUBLE, NS_FLOAT32 -> NPY_FLOAT); -1 with ValueError otherwise. */
int ns_dtype_type(int dtype);
void buffer_list_free(buffer_list *list);

/* The kink policy tuple (relu_at_zero, abs_at_zero, norm2_at_zero, ties, strict); None gives *out = NULL. */
int parse_policy(PyObject *obj, ns_kink_policy *policy, const ns_kink_policy **out);

extern PyMethodDef ns_prox_methods[];
extern PyMethodDef ns_enet_methods[];
extern PyMethodDef ns_bilevel_methods[];
extern PyMethodDef ns_solver_methods[];
extern PyMethodDef ns_autodiff_methods[];
extern PyMethodDef ns_training_methods[];
extern PyMethodDef ns_glm_methods[];
extern PyMethodDef ns_multitask_methods[];

#endif
