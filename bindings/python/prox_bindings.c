/* Proximal operators: wrappers of ns_prox_* (see nonsmooth.h). */
#include "native.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* ---- one prox call: apply, value or subgradient ------------------------------------ */

enum { PROX_APPLY, PROX_VALUE, PROX_SUBGRADIENT };

/* Matrix operators on at least this many entries run one LAPACK decomposition
 * (an SVD or eigendecomposition, 0.1 s and more) that nothing can interrupt; they
 * run on a worker thread so that Ctrl-C returns at once (docs/decisions.md). */
#define PROX_WORKER_MIN_ENTRIES 250000

typedef struct {
    int kind;
    ns_prox *prox;
    double step;
    const double *in;
    int64_t rows, columns, rs, cs;
    double *out;
    ns_status status;
    char message[1024];
    /* The worker thread's own copies; freed by whichever side finishes last. */
    double *in_copy, *out_copy;
    pthread_mutex_t mutex;
    pthread_cond_t finished_cond;
    int finished, abandoned;
} prox_call;

static ns_status prox_call_run(prox_call *c)
{
    switch (c->kind) {
    case PROX_APPLY: return ns_prox_apply(c->prox, c->step, c->in, c->rows, c->columns, c->rs, c->cs, c->out);
    case PROX_VALUE: return ns_prox_value(c->prox, c->in, c->rows, c->columns, c->rs, c->cs, c->out);
    default: return ns_prox_subgradient(c->prox, c->in, c->rows, c->columns, c->rs, c->cs, c->out);
    }
}

static void prox_call_free(prox_call *c)
{
    pthread_mutex_destroy(&c->mutex);
    pthread_cond_destroy(&c->finished_cond);
    free(c->in_copy);
    free(c->out_copy);
    free(c);
}

static void *prox_worker(void *arg)
{
    prox_call *c = arg;
    c->status = prox_call_run(c);
    if (c->status != NS_OK) snprintf(c->message, sizeof c->message, "%s", ns_last_error_message());
    pthread_mutex_lock(&c->mutex);
    c->finished = 1;
    int abandoned = c->abandoned;
    pthread_cond_signal(&c->finished_cond);
    pthread_mutex_unlock(&c->mutex);
    if (abandoned) prox_call_free(c); /* the caller left on Ctrl-C: nothing else refers to it */
    return NULL;
}

/* Runs the call on a worker thread over private copies of the input and output,
 * checking for Ctrl-C every 20 ms; on KeyboardInterrupt returns at once (-1, the
 * exception set) and the worker frees everything when LAPACK returns. 1: the
 * worker could not start (run in place instead); 0: done, c->status set. */
static int prox_call_on_worker(prox_call *c, size_t out_count)
{
    prox_call *w = calloc(1, sizeof *w);
    if (w == NULL) return 1;
    *w = *c;
    size_t n = (size_t)c->rows * (size_t)c->columns;
    w->in_copy = malloc(n * sizeof(double));
    w->out_copy = malloc((out_count ? out_count : 1) * sizeof(double));
    if (w->in_copy == NULL || w->out_copy == NULL) { free(w->in_copy); free(w->out_copy); free(w); return 1; }
    for (int64_t i = 0; i < c->rows; i++)
        for (int64_t j = 0; j < c->columns; j++) w->in_copy[i * c->columns + j] = c->in[i * c->rs + j * c->cs];
    w->in = w->in_copy, w->rs = c->columns, w->cs = 1, w->out = w->out_copy;
    pthread_mutex_init(&w->mutex, NULL);
    pthread_cond_init(&w->finished_cond, NULL);
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int failed = pthread_create(&thread, &attr, prox_worker, w);
    pthread_attr_destroy(&attr);
    if (failed) { prox_call_free(w); return 1; }
    for (;;) {
        int finished;
        Py_BEGIN_ALLOW_THREADS
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 20 * 1000000L;
        if (until.tv_nsec >= 1000000000L) until.tv_sec += 1, until.tv_nsec -= 1000000000L;
        pthread_mutex_lock(&w->mutex);
        if (!w->finished) pthread_cond_timedwait(&w->finished_cond, &w->mutex, &until);
        finished = w->finished;
        pthread_mutex_unlock(&w->mutex);
        Py_END_ALLOW_THREADS
        if (finished) break;
        if (PyErr_CheckSignals() < 0) {
            pthread_mutex_lock(&w->mutex);
            int done = w->finished;
            w->abandoned = !done;
            pthread_mutex_unlock(&w->mutex);
            if (done) prox_call_free(w);
            return -1;
        }
    }
    c->status = w->status;
    memcpy(c->message, w->message, sizeof c->message);
    if (c->status == NS_OK) memcpy(c->out, w->out_copy, out_count * sizeof(double));
    prox_call_free(w);
    return 0;
}

/* prox (capsule) applied to x (2-D): a new array, (rows, columns) or the values. */
static PyObject *prox_call_python(PyObject *capsule, PyObject *x_obj, double step, int kind, const char *name)
{
    ns_prox *prox = prox_from_capsule(capsule);
    if (prox == NULL) return NULL;
    PyArrayObject *x = ns_as_double_array(x_obj, 2, name);
    if (x == NULL) return NULL;
    PyObject *result = NULL;
    prox_call c = {kind, prox, step, PyArray_DATA(x), PyArray_DIM(x, 0), PyArray_DIM(x, 1)};
    if (ns_element_strides(x, &c.rs, &c.cs, name) < 0) goto done;
    int32_t is_matrix = 0;
    ns_prox_is_matrix(prox, &is_matrix);
    npy_intp shape[2] = {c.rows, c.columns};
    if (kind == PROX_VALUE) shape[0] = is_matrix ? 1 : c.rows;
    result = PyArray_SimpleNew(kind == PROX_VALUE ? 1 : 2, shape, NPY_DOUBLE);
    if (result == NULL) goto done;
    c.out = PyArray_DATA((PyArrayObject *)result);
    int ran = 1;
    if (is_matrix && c.rows * c.columns >= PROX_WORKER_MIN_ENTRIES) {
        ran = prox_call_on_worker(&c, (size_t)PyArray_SIZE((PyArrayObject *)result));
        if (ran < 0) { Py_CLEAR(result); goto done; }
    }
    if (ran == 1) {
        Py_BEGIN_ALLOW_THREADS
        c.status = prox_call_run(&c);
        Py_END_ALLOW_THREADS
        if (c.status != NS_OK) snprintf(c.message, sizeof c.message, "%s", ns_last_error_message());
    }
    if (c.status != NS_OK) {
        Py_CLEAR(result);
        ns_raise_status_message(c.status, c.message);
    }
done:
    Py_DECREF(x);
    return result;
}

static PyObject *py_prox_value(PyObject *self, PyObject *args)
{
    PyObject *capsule, *x;
    if (!PyArg_ParseTuple(args, "OO:prox_value", &capsule, &x)) return NULL;
    return prox_call_python(capsule, x, 0.0, PROX_VALUE, "x");
}

static PyObject *py_prox_subgradient(PyObject *self, PyObject *args)
{
    PyObject *capsule, *x;
    if (!PyArg_ParseTuple(args, "OO:prox_subgradient", &capsule, &x)) return NULL;
    return prox_call_python(capsule, x, 0.0, PROX_SUBGRADIENT, "x");
}

static PyObject *py_prox_apply(PyObject *self, PyObject *args)
{
    PyObject *capsule, *v;
    double step;
    if (!PyArg_ParseTuple(args, "OOd:prox_apply", &capsule, &v, &step)) return NULL;
    return prox_call_python(capsule, v, step, PROX_APPLY, "v");
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
