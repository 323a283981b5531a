/* Conservative automatic differentiation: wrappers of ns_graph_* and ns_program_*
 * (see nonsmooth.h). Output buffers are allocated by the Python package and passed
 * in; the GIL is released around every evaluation. */
#include "native.h"

#include <string.h>

static const char *GRAPH_CAPSULE = "nonsmooth.graph";
static const char *PROGRAM_CAPSULE = "nonsmooth.program";

#define KINKS_CAPACITY 4096

static void graph_capsule_destroy(PyObject *capsule)
{
    ns_graph_destroy((ns_graph *)PyCapsule_GetPointer(capsule, GRAPH_CAPSULE));
}

static void program_capsule_destroy(PyObject *capsule)
{
    ns_program_destroy((ns_program *)PyCapsule_GetPointer(capsule, PROGRAM_CAPSULE));
}

static ns_graph *graph_from_capsule(PyObject *capsule)
{
    if (!PyCapsule_IsValid(capsule, GRAPH_CAPSULE)) {
        PyErr_SetString(PyExc_TypeError, "graph: expected a graph handle");
        return NULL;
    }
    return (ns_graph *)PyCapsule_GetPointer(capsule, GRAPH_CAPSULE);
}

static ns_program *program_from_capsule(PyObject *capsule)
{
    if (!PyCapsule_IsValid(capsule, PROGRAM_CAPSULE)) {
        PyErr_SetString(PyExc_TypeError, "program: expected a program handle");
        return NULL;
    }
    return (ns_program *)PyCapsule_GetPointer(capsule, PROGRAM_CAPSULE);
}

/* ---- int64 sequences ---------------------------------------------------------- */

/* A contiguous int64 array from any sequence of integers (1-D). */
static PyArrayObject *as_int64_vector(PyObject *obj, const char *name)
{
    PyArrayObject *a = (PyArrayObject *)PyArray_FROMANY(obj, NPY_INT64, 1, 1, NPY_ARRAY_IN_ARRAY | NPY_ARRAY_FORCECAST);
    if (a == NULL) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s: expected a sequence of integers", name);
    }
    return a;
}

/* A contiguous float64 array from any sequence of floats (1-D). */
static PyArrayObject *as_double_vector(PyObject *obj, const char *name)
{
    PyArrayObject *a = (PyArrayObject *)PyArray_FROMANY(obj, NPY_DOUBLE, 1, 1, NPY_ARRAY_IN_ARRAY);
    if (a == NULL) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s: expected a sequence of floats", name);
    }
    return a;
}

/* Returns (id, shape tuple) of graph value `id`. */
static PyObject *value_tuple(ns_graph *graph, int64_t id)
{
    int64_t shape[64], ndim = 0;
    ns_status status = ns_graph_shape(graph, id, shape, 64, &ndim);
    if (status != NS_OK) return ns_raise_status(status);
    PyObject *t = PyTuple_New((Py_ssize_t)ndim);
    if (t == NULL) return NULL;
    for (int64_t i = 0; i < ndim; i++) {
        PyObject *d = PyLong_FromLongLong(shape[i]);
        if (d == NULL) { Py_DECREF(t); return NULL; }
        PyTuple_SET_ITEM(t, i, d);
    }
    return Py_BuildValue("(LN)", (long long)id, t);
}

/* ---- graph building ----------------------------------------------------------- */

static PyObject *py_graph_create(PyObject *self, PyObject *unused)
{
    ns_graph *graph = NULL;
    ns_status status = ns_graph_create(&graph);
    if (status != NS_OK) return ns_raise_status(status);
    PyObject *capsule = PyCapsule_New(graph, GRAPH_CAPSULE, graph_capsule_destroy);
    if (capsule == NULL) ns_graph_destroy(graph);
    return capsule;
}

static PyObject *py_graph_input(PyObject *self, PyObject *args)
{
    PyObject *capsule, *shape_obj;
    if (!PyArg_ParseTuple(args, "OO:graph_input", &capsule, &shape_obj)) return NULL;
    ns_graph *graph = graph_from_capsule(capsule);
    if (graph == NULL) return NULL;
    PyArrayObject *shape = as_int64_vector(shape_obj, "shape");
    if (shape == NULL) return NULL;
    int64_t id = -1;
    ns_status status = ns_graph_input(graph, PyArray_DATA(shape), PyArray_SIZE(shape), &id);
    Py_DECREF(shape);
    if (status != NS_OK) return ns_raise_status(status);
    return value_tuple(graph, id);
}

static PyObject *py_graph_constant(PyObject *self, PyObject *args)
{
    PyObject *capsule, *values_obj;
    if (!PyArg_ParseTuple(args, "OO:graph_constant", &capsule, &values_obj)) return NULL;
    ns_graph *graph = graph_from_capsule(capsule);
    if (graph == NULL) return NULL;
    PyArrayObject *values = (PyArrayObject *)PyArray_FROMANY(values_obj, NPY_DOUBLE, 0, 64, NPY_ARRAY_IN_ARRAY);
    if (values == NULL) {
        PyErr_Clear();
        PyErr_SetString(PyExc_TypeError, "constant: expected a float64 array");
        return NULL;
    }
    int ndim = PyArray_NDIM(values);
    int64_t shape[64];
    for (int i = 0; i < ndim; i++) shape[i] = (int64_t)PyArray_DIM(values, i);
    int64_t id = -1;
    ns_status status = ns_graph_constant(graph, PyArray_DATA(values), PyArray_SIZE(values), shape, ndim, &id);
    Py_DECREF(values);
    if (status != NS_OK) return ns_raise_status(status);
    return value_tuple(graph, id);
}

static PyObject *py_graph_gather(PyObject *self, PyObject *args)
{
    PyObject *capsule, *indices_obj, *shape_obj;
    long long x;
    const char *label;
    if (!PyArg_ParseTuple(args, "OLOOs:graph_gather", &capsule, &x, &indices_obj, &shape_obj, &label)) return NULL;
    ns_graph *graph = graph_from_capsule(capsule);
    if (graph == NULL) return NULL;
    PyArrayObject *indices = as_int64_vector(indices_obj, "indices");
    if (indices == NULL) return NULL;
    PyArrayObject *shape = as_int64_vector(shape_obj, "shape");
    if (shape == NULL) { Py_DECREF(indices); return NULL; }
    int64_t id = -1;
    ns_status status = ns_graph_gather(graph, x, PyArray_DATA(indices), PyArray_SIZE(indices),
                                       PyArray_DATA(shape), PyArray_SIZE(shape), label, &id);
    Py_DECREF(indices);
    Py_DECREF(shape);
    if (status != NS_OK) return ns_raise_status(status);
    return value_tuple(graph, id);
}

static PyObject *py_graph_op(PyObject *self, PyObject *args)
{
    PyObject *capsule, *inputs_obj, *ints_obj, *floats_obj;
    const char *op;
    if (!PyArg_ParseTuple(args, "OsOOO:graph_op", &capsule, &op, &inputs_obj, &ints_obj, &floats_obj)) return NULL;
    ns_graph *graph = graph_from_capsule(capsule);
    if (graph == NULL) return NULL;
    PyArrayObject *inputs = as_int64_vector(inputs_obj, "inputs");
    if (inputs == NULL) return NULL;
    PyArrayObject *ints = as_int64_vector(ints_obj, "int_attributes");
    PyArrayObject *floats = ints == NULL ? NULL : as_double_vector(floats_obj, "float_attributes");
    PyObject *result = NULL;
    if (floats != NULL) {
        int64_t id = -1;
        ns_status status = ns_graph_op(graph, op, PyArray_SIZE(inputs), PyArray_DATA(inputs),
                                       PyArray_SIZE(ints), PyArray_DATA(ints),
                                       PyArray_SIZE(floats), PyArray_DATA(floats), &id);
        result = status == NS_OK ? value_tuple(graph, id) : ns_raise_status(status);
    }
    Py_DECREF(inputs);
    Py_XDECREF(ints);
    Py_XDECREF(floats);
    return result;
}

/* ---- programs ----------------------------------------------------------------- */

static PyObject *shape_list(ns_program *program, int32_t role, int64_t n)
{
    PyObject *list = PyList_New((Py_ssize_t)n);
    if (list == NULL) return NULL;
    for (int64_t k = 0; k < n; k++) {
        int64_t shape[64], ndim = 0;
        ns_status status = ns_program_shape(program, role, k, shape, 64, &ndim);
        if (status != NS_OK) { Py_DECREF(list); return ns_raise_status(status); }
        PyObject *t = PyTuple_New((Py_ssize_t)ndim);
        if (t == NULL) { Py_DECREF(list); return NULL; }
        for (int64_t i = 0; i < ndim; i++) PyTuple_SET_ITEM(t, i, PyLong_FromLongLong(shape[i]));
        PyList_SET_ITEM(list, k, t);
    }
    return list;
}

/* program_create(graph, output_ids) -> (handle, input_shapes, output_shapes) */
static PyObject *py_program_create(PyObject *self, PyObject *args)
{
    PyObject *capsule, *outputs_obj;
    if (!PyArg_ParseTuple(args, "OO:program_create", &capsule, &outputs_obj)) return NULL;
    ns_graph *graph = graph_from_capsule(capsule);
    if (graph == NULL) return NULL;
    PyArrayObject *outputs = as_int64_vector(outputs_obj, "outputs");
    if (outputs == NULL) return NULL;
    ns_program *program = NULL;
    ns_status status = ns_program_create(graph, PyArray_SIZE(outputs), PyArray_DATA(outputs), &program);
    Py_DECREF(outputs);
    if (status != NS_OK) return ns_raise_status(status);
    PyObject *handle = PyCapsule_New(program, PROGRAM_CAPSULE, program_capsule_destroy);
    if (handle == NULL) { ns_program_destroy(program); return NULL; }
    int64_t n_in = 0, n_out = 0;
    ns_program_arity(program, &n_in, &n_out);
    PyObject *ins = shape_list(program, 0, n_in);
    PyObject *outs = ins == NULL ? NULL : shape_list(program, 1, n_out);
    if (outs == NULL) { Py_DECREF(handle); Py_XDECREF(ins); return NULL; }
    return Py_BuildValue("(NNN)", handle, ins, outs);
}

int ns_dtype_type(int dtype)
{
    if (dtype == NS_FLOAT64) return NPY_DOUBLE;
    if (dtype == NS_FLOAT32) return NPY_FLOAT;
    PyErr_Format(PyExc_ValueError, "dtype: must be 0 (float64) or 1 (float32), got %d", dtype);
    return -1;
}

/*
 * A list of buffers for the ABI. Inputs are converted to contiguous arrays of
 * `type` (a copy only if needed); outputs must already be writeable C-contiguous
 * arrays of `type`. None entries give NULL pointers when `allow_none`.
 */
void buffer_list_free(buffer_list *list)
{
    if (list->arrays != NULL)
        for (Py_ssize_t i = 0; i < list->n; i++) Py_XDECREF(list->arrays[i]);
    PyMem_Free(list->arrays);
    PyMem_Free(list->data);
    PyMem_Free(list->sizes);
    memset(list, 0, sizeof(*list));
}

int buffer_list_init(buffer_list *list, PyObject *seq, const char *name, int writeable, int allow_none, int type)
{
    const char *type_name = type == NPY_FLOAT ? "float32" : "float64";
    memset(list, 0, sizeof(*list));
    if (seq == Py_None) return 0;
    PyObject *fast = PySequence_Fast(seq, name);
    if (fast == NULL) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    list->n = n;
    list->arrays = PyMem_Calloc(n > 0 ? n : 1, sizeof(PyArrayObject *));
    list->data = PyMem_Calloc(n > 0 ? n : 1, sizeof(void *));
    list->sizes = PyMem_Calloc(n > 0 ? n : 1, sizeof(int64_t));
    if (list->arrays == NULL || list->data == NULL || list->sizes == NULL) {
        Py_DECREF(fast);
        buffer_list_free(list);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(fast, i);
        if (item == Py_None && allow_none) continue;
        PyArrayObject *a;
        if (writeable) {
            if (!PyArray_Check(item) || PyArray_TYPE((PyArrayObject *)item) != type ||
                !PyArray_IS_C_CONTIGUOUS((PyArrayObject *)item) || !PyArray_ISWRITEABLE((PyArrayObject *)item)) {
                PyErr_Format(PyExc_TypeError, "%s: entry %zd must be a writeable C-contiguous %s array", name, i,
                             type_name);
                Py_DECREF(fast);
                buffer_list_free(list);
                return -1;
            }
            Py_INCREF(item);
            a = (PyArrayObject *)item;
        } else {
            a = (PyArrayObject *)PyArray_FROMANY(item, type, 0, 0, NPY_ARRAY_IN_ARRAY);
            if (a == NULL) {
                PyErr_Clear();
                PyErr_Format(PyExc_TypeError, "%s: entry %zd must be convertible to a %s array", name, i, type_name);
                Py_DECREF(fast);
                buffer_list_free(list);
                return -1;
            }
        }
        list->arrays[i] = a;
        list->data[i] = PyArray_DATA(a);
        list->sizes[i] = (int64_t)PyArray_SIZE(a);
    }
    Py_DECREF(fast);
    return 0;
}

/* The kink policy tuple (relu_at_zero, abs_at_zero, norm2_at_zero, ties, strict); None -> NULL. */
int parse_policy(PyObject *obj, ns_kink_policy *policy, const ns_kink_policy **out)
{
    *out = NULL;
    if (obj == Py_None) return 0;
    int ties, strict;
    if (!PyArg_ParseTuple(obj, "dddii;policy: expected (relu_at_zero, abs_at_zero, norm2_at_zero, ties, strict)",
                          &policy->relu_at_zero, &policy->abs_at_zero, &policy->norm2_at_zero, &ties, &strict))
        return -1;
    policy->ties = ties;
    policy->strict = strict;
    *out = policy;
    return 0;
}

/* The program handle and kink policy every evaluation wrapper starts with (NULL on error). */
static ns_program *program_and_policy(PyObject *capsule, PyObject *policy_obj, ns_kink_policy *storage,
                                      const ns_kink_policy **policy)
{
    ns_program *program = program_from_capsule(capsule);
    if (program == NULL || parse_policy(policy_obj, storage, policy) < 0) return NULL;
    return program;
}

/* Finishes a call: raises on failure, else returns the kink text. */
static PyObject *finish(ns_status status, const char *kinks)
{
    if (status != NS_OK) return ns_raise_status(status);
    return PyUnicode_FromString(kinks);
}

#define N(list) ((int64_t)(list).n)
#define IN(list) ((const double *const *)(list).data)
#define OUT(list) ((double *const *)(list).data)
#define IN_ANY(list) ((const void *const *)(list).data)
#define OUT_ANY(list) ((void *const *)(list).data)

/* program_evaluate(program, policy, dtype, inputs, outputs) -> kinks */
static PyObject *py_program_evaluate(PyObject *self, PyObject *args)
{
    PyObject *capsule, *policy_obj, *inputs_obj, *outputs_obj;
    int dtype;
    if (!PyArg_ParseTuple(args, "OOiOO:program_evaluate", &capsule, &policy_obj, &dtype, &inputs_obj, &outputs_obj))
        return NULL;
    ns_kink_policy storage;
    const ns_kink_policy *policy;
    ns_program *program = program_and_policy(capsule, policy_obj, &storage, &policy);
    int type = ns_dtype_type(dtype);
    if (program == NULL || type < 0) return NULL;
    buffer_list in, out;
    if (buffer_list_init(&in, inputs_obj, "inputs", 0, 0, type) < 0) return NULL;
    if (buffer_list_init(&out, outputs_obj, "outputs", 1, 0, type) < 0) { buffer_list_free(&in); return NULL; }
    char kinks[KINKS_CAPACITY];
    ns_status status;
    Py_BEGIN_ALLOW_THREADS
    status = ns_program_evaluate(program, policy, dtype, N(in), IN_ANY(in), in.sizes, N(out), OUT_ANY(out), out.sizes,
                                 kinks, KINKS_CAPACITY);
    Py_END_ALLOW_THREADS
    buffer_list_free(&in);
    buffer_list_free(&out);
    return finish(status, kinks);
}

/* program_vjp(program, policy, dtype, inputs, cotangents, wrt, gradients, outputs or None) -> kinks */
static PyObject *py_program_vjp(PyObject *self, PyObject *args)
{
    PyObject *capsule, *policy_obj, *inputs_obj, *cot_obj, *wrt_obj, *grads_obj, *outputs_obj;
    int dtype;
    if (!PyArg_ParseTuple(args, "OOiOOOOO:program_vjp", &capsule, &policy_obj, &dtype, &inputs_obj, &cot_obj, &wrt_obj,
                          &grads_obj, &outputs_obj))
        return NULL;
    ns_kink_policy storage;
    const ns_kink_policy *policy;
    ns_program *program = program_and_policy(capsule, policy_obj, &storage, &policy);
    int type = ns_dtype_type(dtype);
    if (program == NULL || type < 0) return NULL;
    PyArrayObject *wrt = as_int64_vector(wrt_obj, "wrt");
    if (wrt == NULL) return NULL;
    buffer_list in = {0}, cot = {0}, grads = {0}, out = {0};
    PyObject *result = NULL;
    if (buffer_list_init(&in, inputs_obj, "inputs", 0, 0, type) < 0 ||
        buffer_list_init(&cot, cot_obj, "cotangents", 0, 1, type) < 0 ||
        buffer_list_init(&grads, grads_obj, "gradients", 1, 0, type) < 0 ||
        buffer_list_init(&out, outputs_obj, "outputs", 1, 0, type) < 0)
        goto done;
    if (grads.n != PyArray_SIZE(wrt)) {
        PyErr_SetString(PyExc_ValueError, "gradients: one buffer per wrt argument is needed");
        goto done;
    }
    char kinks[KINKS_CAPACITY];
    ns_status status;
    const int64_t *wrt_data = PyArray_DATA(wrt);
    int64_t n_wrt = PyArray_SIZE(wrt);
    Py_BEGIN_ALLOW_THREADS
    status = ns_program_vjp(program, policy, dtype, N(in), IN_ANY(in), in.sizes, N(cot), IN_ANY(cot), cot.sizes, n_wrt,
                            wrt_data, OUT_ANY(grads), grads.sizes, outputs_obj == Py_None ? NULL : OUT_ANY(out), out.sizes,
                            kinks, KINKS_CAPACITY);
    Py_END_ALLOW_THREADS
    result = finish(status, kinks);
done:
    Py_DECREF(wrt);
    buffer_list_free(&in); buffer_list_free(&cot); buffer_list_free(&grads); buffer_list_free(&out);
    return result;
}

/* program_jvp(program, policy, inputs, tangents, output_tangents, outputs or None) -> kinks */
static PyObject *py_program_jvp(PyObject *self, PyObject *args)
{
    PyObject *capsule, *policy_obj, *inputs_obj, *tan_obj, *otan_obj, *outputs_obj;
    if (!PyArg_ParseTuple(args, "OOOOOO:program_jvp", &capsule, &policy_obj, &inputs_obj, &tan_obj, &otan_obj,
                          &outputs_obj))
        return NULL;
    ns_kink_policy storage;
    const ns_kink_policy *policy;
    ns_program *program = program_and_policy(capsule, policy_obj, &storage, &policy);
    if (program == NULL) return NULL;
    buffer_list in = {0}, tan = {0}, otan = {0}, out = {0};
    PyObject *result = NULL;
    if (buffer_list_init(&in, inputs_obj, "inputs", 0, 0, NPY_DOUBLE) < 0 ||
        buffer_list_init(&tan, tan_obj, "tangents", 0, 1, NPY_DOUBLE) < 0 ||
        buffer_list_init(&otan, otan_obj, "output_tangents", 1, 0, NPY_DOUBLE) < 0 ||
        buffer_list_init(&out, outputs_obj, "outputs", 1, 0, NPY_DOUBLE) < 0)
        goto done;
    if (tan.n != in.n) {
        PyErr_SetString(PyExc_ValueError, "tangents: one per argument (or None) is needed");
        goto done;
    }
    char kinks[KINKS_CAPACITY];
    ns_status status;
    Py_BEGIN_ALLOW_THREADS
    status = ns_program_jvp(program, policy, N(in), IN(in), in.sizes, IN(tan), tan.sizes, N(otan), OUT(otan),
                            otan.sizes, outputs_obj == Py_None ? NULL : OUT(out), out.sizes, kinks, KINKS_CAPACITY);
    Py_END_ALLOW_THREADS
    result = finish(status, kinks);
done:
    buffer_list_free(&in); buffer_list_free(&tan); buffer_list_free(&otan); buffer_list_free(&out);
    return result;
}

/* program_hvp(program, policy, inputs, output, wrt, directions, products, gradients or None) -> kinks */
static PyObject *py_program_hvp(PyObject *self, PyObject *args)
{
    PyObject *capsule, *policy_obj, *inputs_obj, *wrt_obj, *dir_obj, *prod_obj, *grads_obj;
    long long output;
    if (!PyArg_ParseTuple(args, "OOOLOOOO:program_hvp", &capsule, &policy_obj, &inputs_obj, &output, &wrt_obj,
                          &dir_obj, &prod_obj, &grads_obj))
        return NULL;
    ns_kink_policy storage;
    const ns_kink_policy *policy;
    ns_program *program = program_and_policy(capsule, policy_obj, &storage, &policy);
    if (program == NULL) return NULL;
    PyArrayObject *wrt = as_int64_vector(wrt_obj, "wrt");
    if (wrt == NULL) return NULL;
    buffer_list in = {0}, dir = {0}, prod = {0}, grads = {0};
    PyObject *result = NULL;
    if (buffer_list_init(&in, inputs_obj, "inputs", 0, 0, NPY_DOUBLE) < 0 ||
        buffer_list_init(&dir, dir_obj, "directions", 0, 0, NPY_DOUBLE) < 0 ||
        buffer_list_init(&prod, prod_obj, "products", 1, 0, NPY_DOUBLE) < 0 ||
        buffer_list_init(&grads, grads_obj, "gradients", 1, 0, NPY_DOUBLE) < 0)
        goto done;
    int64_t n_wrt = PyArray_SIZE(wrt);
    if (dir.n != n_wrt || prod.n != n_wrt || (grads_obj != Py_None && grads.n != n_wrt)) {
        PyErr_SetString(PyExc_ValueError, "directions: one direction and one product buffer per wrt argument are needed");
        goto done;
    }
    char kinks[KINKS_CAPACITY];
    ns_status status;
    const int64_t *wrt_data = PyArray_DATA(wrt);
    Py_BEGIN_ALLOW_THREADS
    status = ns_program_hvp(program, policy, N(in), IN(in), in.sizes, output, n_wrt, wrt_data, IN(dir), dir.sizes,
                            OUT(prod), prod.sizes, grads_obj == Py_None ? NULL : OUT(grads), grads.sizes,
                            kinks, KINKS_CAPACITY);
    Py_END_ALLOW_THREADS
    result = finish(status, kinks);
done:
    Py_DECREF(wrt);
    buffer_list_free(&in); buffer_list_free(&dir); buffer_list_free(&prod); buffer_list_free(&grads);
    return result;
}

/* Checks a single writeable C-contiguous float64 output array. */
static int check_output_array(PyObject *obj, const char *name)
{
    if (!PyArray_Check(obj) || PyArray_TYPE((PyArrayObject *)obj) != NPY_DOUBLE ||
        !PyArray_IS_C_CONTIGUOUS((PyArrayObject *)obj) || !PyArray_ISWRITEABLE((PyArrayObject *)obj)) {
        PyErr_Format(PyExc_TypeError, "%s: must be a writeable C-contiguous float64 array", name);
        return -1;
    }
    return 0;
}

/* program_jacobian(program, policy, inputs, output, wrt, jacobian) -> kinks */
static PyObject *py_program_jacobian(PyObject *self, PyObject *args)
{
    PyObject *capsule, *policy_obj, *inputs_obj, *jac_obj;
    long long output, wrt;
    if (!PyArg_ParseTuple(args, "OOOLLO:program_jacobian", &capsule, &policy_obj, &inputs_obj, &output, &wrt,
                          &jac_obj))
        return NULL;
    ns_kink_policy storage;
    const ns_kink_policy *policy;
    ns_program *program = program_and_policy(capsule, policy_obj, &storage, &policy);
    if (program == NULL || check_output_array(jac_obj, "jacobian") < 0) return NULL;
    buffer_list in;
    if (buffer_list_init(&in, inputs_obj, "inputs", 0, 0, NPY_DOUBLE) < 0) return NULL;
    PyArrayObject *jac = (PyArrayObject *)jac_obj;
    double *jac_data = PyArray_DATA(jac);
    int64_t jac_size = PyArray_SIZE(jac);
    char kinks[KINKS_CAPACITY];
    ns_status status;
    Py_BEGIN_ALLOW_THREADS
    status = ns_program_jacobian(program, policy, N(in), IN(in), in.sizes, output, wrt, jac_data, jac_size,
                                 kinks, KINKS_CAPACITY);
    Py_END_ALLOW_THREADS
    buffer_list_free(&in);
    return finish(status, kinks);
}

/* program_lexicographic(program, inputs, output, wrt, directions, k, result) -> kinks */
static PyObject *py_program_lexicographic(PyObject *self, PyObject *args)
{
    PyObject *capsule, *inputs_obj, *wrt_obj, *dir_obj, *result_obj;
    long long output, k;
    if (!PyArg_ParseTuple(args, "OOLOOLO:program_lexicographic", &capsule, &inputs_obj, &output, &wrt_obj, &dir_obj,
                          &k, &result_obj))
        return NULL;
    ns_program *program = program_from_capsule(capsule);
    if (program == NULL || check_output_array(result_obj, "result") < 0) return NULL;
    PyArrayObject *wrt = as_int64_vector(wrt_obj, "wrt");
    if (wrt == NULL) return NULL;
    buffer_list in = {0}, dir = {0};
    PyObject *result = NULL;
    if (buffer_list_init(&in, inputs_obj, "inputs", 0, 0, NPY_DOUBLE) < 0 ||
        buffer_list_init(&dir, dir_obj, "directions", 0, 0, NPY_DOUBLE) < 0)
        goto done;
    int64_t n_wrt = PyArray_SIZE(wrt);
    if (dir.n != n_wrt) {
        PyErr_SetString(PyExc_ValueError, "directions: one block per wrt argument is needed");
        goto done;
    }
    PyArrayObject *res = (PyArrayObject *)result_obj;
    double *res_data = PyArray_DATA(res);
    int64_t res_size = PyArray_SIZE(res);
    const int64_t *wrt_data = PyArray_DATA(wrt);
    char kinks[KINKS_CAPACITY];
    ns_status status;
    Py_BEGIN_ALLOW_THREADS
    status = ns_program_lexicographic(program, N(in), IN(in), in.sizes, output, n_wrt, wrt_data, IN(dir), dir.sizes,
                                      k, res_data, res_size, kinks, KINKS_CAPACITY);
    Py_END_ALLOW_THREADS
    result = finish(status, kinks);
done:
    Py_DECREF(wrt);
    buffer_list_free(&in); buffer_list_free(&dir);
    return result;
}

PyMethodDef ns_autodiff_methods[] = {
    {"graph_create", py_graph_create, METH_NOARGS, "graph_create() -> graph handle"},
    {"graph_input", py_graph_input, METH_VARARGS, "graph_input(graph, shape) -> (id, shape)"},
    {"graph_constant", py_graph_constant, METH_VARARGS, "graph_constant(graph, array) -> (id, shape)"},
    {"graph_gather", py_graph_gather, METH_VARARGS, "graph_gather(graph, x, indices, shape, label) -> (id, shape)"},
    {"graph_op", py_graph_op, METH_VARARGS, "graph_op(graph, op, inputs, ints, floats) -> (id, shape)"},
    {"program_create", py_program_create, METH_VARARGS,
     "program_create(graph, outputs) -> (program, input_shapes, output_shapes)"},
    {"program_evaluate", py_program_evaluate, METH_VARARGS, "program_evaluate(program, policy, dtype, inputs, outputs) -> kinks"},
    {"program_vjp", py_program_vjp, METH_VARARGS,
     "program_vjp(program, policy, dtype, inputs, cotangents, wrt, gradients, outputs) -> kinks"},
    {"program_jvp", py_program_jvp, METH_VARARGS,
     "program_jvp(program, policy, inputs, tangents, output_tangents, outputs) -> kinks"},
    {"program_hvp", py_program_hvp, METH_VARARGS,
     "program_hvp(program, policy, inputs, output, wrt, directions, products, gradients) -> kinks"},
    {"program_jacobian", py_program_jacobian, METH_VARARGS,
     "program_jacobian(program, policy, inputs, output, wrt, jacobian) -> kinks"},
    {"program_lexicographic", py_program_lexicographic, METH_VARARGS,
     "program_lexicographic(program, inputs, output, wrt, directions, k, result) -> kinks"},
    {NULL, NULL, 0, NULL},
};
