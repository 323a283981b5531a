/* Native training: wrappers of ns_optimizer_*, ns_learning_rate and ns_train (see
 * nonsmooth.h). Buffers are allocated and validated by the Python package
 * (nonsmooth.training); the GIL is released around every native call. */
#include "native.h"

#include <string.h>

static const char *OPTIMIZER_CAPSULE = "nonsmooth.optimizer";
static const char *PROGRAM_CAPSULE = "nonsmooth.program";
static const char *PROX_CAPSULE = "nonsmooth.prox";

#define KINKS_CAPACITY 4096

static void optimizer_capsule_destroy(PyObject *capsule)
{
    ns_optimizer_destroy((ns_optimizer *)PyCapsule_GetPointer(capsule, OPTIMIZER_CAPSULE));
}

static ns_optimizer *optimizer_from_capsule(PyObject *capsule)
{
    if (!PyCapsule_IsValid(capsule, OPTIMIZER_CAPSULE)) {
        PyErr_SetString(PyExc_TypeError, "optimizer: expected an optimizer handle");
        return NULL;
    }
    return (ns_optimizer *)PyCapsule_GetPointer(capsule, OPTIMIZER_CAPSULE);
}

/* A writeable C-contiguous float64 array (outputs and in-place updates). */
static int writeable_array(PyObject *obj, const char *name)
{
    if (!PyArray_Check(obj) || PyArray_TYPE((PyArrayObject *)obj) != NPY_DOUBLE ||
        !PyArray_IS_C_CONTIGUOUS((PyArrayObject *)obj) || !PyArray_ISWRITEABLE((PyArrayObject *)obj)) {
        PyErr_Format(PyExc_TypeError, "%s: must be a writeable C-contiguous float64 array", name);
        return -1;
    }
    return 0;
}

/* optimizer_create(kind, hyperparameters) -> optimizer handle */
static PyObject *py_optimizer_create(PyObject *self, PyObject *args)
{
    const char *kind;
    PyObject *hyper_obj;
    if (!PyArg_ParseTuple(args, "sO:optimizer_create", &kind, &hyper_obj)) return NULL;
    PyArrayObject *hyper = (PyArrayObject *)PyArray_FROMANY(hyper_obj, NPY_DOUBLE, 1, 1, NPY_ARRAY_IN_ARRAY);
    if (hyper == NULL) {
        PyErr_Clear();
        PyErr_SetString(PyExc_TypeError, "hyperparameters: expected a sequence of floats");
        return NULL;
    }
    ns_optimizer *optimizer = NULL;
    ns_status status = ns_optimizer_create(kind, PyArray_DATA(hyper), PyArray_SIZE(hyper), &optimizer);
    Py_DECREF(hyper);
    if (status != NS_OK) return ns_raise_status(status);
    PyObject *capsule = PyCapsule_New(optimizer, OPTIMIZER_CAPSULE, optimizer_capsule_destroy);
    if (capsule == NULL) ns_optimizer_destroy(optimizer);
    return capsule;
}

/* optimizer_step(optimizer, params, grads, rate): params updated in place */
static PyObject *py_optimizer_step(PyObject *self, PyObject *args)
{
    PyObject *capsule, *params_obj, *grads_obj;
    double rate;
    if (!PyArg_ParseTuple(args, "OOOd:optimizer_step", &capsule, &params_obj, &grads_obj, &rate)) return NULL;
    ns_optimizer *optimizer = optimizer_from_capsule(capsule);
    if (optimizer == NULL || writeable_array(params_obj, "params") < 0) return NULL;
    PyArrayObject *params = (PyArrayObject *)params_obj;
    PyArrayObject *grads = (PyArrayObject *)PyArray_FROMANY(grads_obj, NPY_DOUBLE, 0, 0, NPY_ARRAY_IN_ARRAY);
    if (grads == NULL) {
        PyErr_Clear();
        PyErr_SetString(PyExc_TypeError, "grads: expected a float64 array");
        return NULL;
    }
    if (PyArray_SIZE(grads) != PyArray_SIZE(params)) {
        PyErr_SetString(PyExc_ValueError, "grads: must have as many entries as params");
        Py_DECREF(grads);
        return NULL;
    }
    ns_status status;
    double *w = PyArray_DATA(params);
    const double *g = PyArray_DATA(grads);
    int64_t n = (int64_t)PyArray_SIZE(params);
    Py_BEGIN_ALLOW_THREADS
    status = ns_optimizer_step(optimizer, w, g, n, rate);
    Py_END_ALLOW_THREADS
    Py_DECREF(grads);
    if (status != NS_OK) return ns_raise_status(status);
    Py_RETURN_NONE;
}

static PyObject *py_optimizer_reset(PyObject *self, PyObject *capsule)
{
    ns_optimizer *optimizer = optimizer_from_capsule(capsule);
    if (optimizer == NULL) return NULL;
    ns_status status = ns_optimizer_reset(optimizer);
    if (status != NS_OK) return ns_raise_status(status);
    Py_RETURN_NONE;
}

/* optimizer_get_state(optimizer) -> float64 array (see ns_optimizer_get_state) */
static PyObject *py_optimizer_get_state(PyObject *self, PyObject *capsule)
{
    ns_optimizer *optimizer = optimizer_from_capsule(capsule);
    if (optimizer == NULL) return NULL;
    int64_t size = 0;
    ns_status status = ns_optimizer_get_state(optimizer, NULL, 0, &size);
    if (status != NS_OK) return ns_raise_status(status);
    npy_intp dims[1] = {(npy_intp)size};
    PyArrayObject *state = (PyArrayObject *)PyArray_SimpleNew(1, dims, NPY_DOUBLE);
    if (state == NULL || size == 0) return (PyObject *)state;
    status = ns_optimizer_get_state(optimizer, PyArray_DATA(state), size, &size);
    if (status != NS_OK) {
        Py_DECREF(state);
        return ns_raise_status(status);
    }
    return (PyObject *)state;
}

/* optimizer_set_state(optimizer, state) */
static PyObject *py_optimizer_set_state(PyObject *self, PyObject *args)
{
    PyObject *capsule, *state_obj;
    if (!PyArg_ParseTuple(args, "OO:optimizer_set_state", &capsule, &state_obj)) return NULL;
    ns_optimizer *optimizer = optimizer_from_capsule(capsule);
    if (optimizer == NULL) return NULL;
    PyArrayObject *state = (PyArrayObject *)PyArray_FROMANY(state_obj, NPY_DOUBLE, 1, 1, NPY_ARRAY_IN_ARRAY);
    if (state == NULL) return NULL;
    ns_status status = ns_optimizer_set_state(optimizer, PyArray_DATA(state), (int64_t)PyArray_SIZE(state));
    Py_DECREF(state);
    if (status != NS_OK) return ns_raise_status(status);
    Py_RETURN_NONE;
}

/* optimizer_momentum_schedule(optimizer, kind, parameters, complement) */
static PyObject *py_optimizer_momentum_schedule(PyObject *self, PyObject *args)
{
    PyObject *capsule, *params_obj;
    const char *kind;
    int complement;
    if (!PyArg_ParseTuple(args, "OsOp:optimizer_momentum_schedule", &capsule, &kind, &params_obj, &complement))
        return NULL;
    ns_optimizer *optimizer = optimizer_from_capsule(capsule);
    if (optimizer == NULL) return NULL;
    PyArrayObject *params = (PyArrayObject *)PyArray_FROMANY(params_obj, NPY_DOUBLE, 1, 1, NPY_ARRAY_IN_ARRAY);
    if (params == NULL) {
        PyErr_Clear();
        PyErr_SetString(PyExc_TypeError, "schedule parameters: expected a sequence of floats");
        return NULL;
    }
    ns_status status = ns_optimizer_momentum_schedule(optimizer, kind, PyArray_DATA(params), PyArray_SIZE(params),
                                                      complement);
    Py_DECREF(params);
    if (status != NS_OK) return ns_raise_status(status);
    Py_RETURN_NONE;
}

/* learning_rate(kind, parameters, step) -> float */
static PyObject *py_learning_rate(PyObject *self, PyObject *args)
{
    const char *kind;
    PyObject *params_obj;
    long long step;
    if (!PyArg_ParseTuple(args, "sOL:learning_rate", &kind, &params_obj, &step)) return NULL;
    PyArrayObject *params = (PyArrayObject *)PyArray_FROMANY(params_obj, NPY_DOUBLE, 1, 1, NPY_ARRAY_IN_ARRAY);
    if (params == NULL) {
        PyErr_Clear();
        PyErr_SetString(PyExc_TypeError, "schedule parameters: expected a sequence of floats");
        return NULL;
    }
    double rate = 0;
    ns_status status = ns_learning_rate(kind, PyArray_DATA(params), PyArray_SIZE(params), step, &rate);
    Py_DECREF(params);
    if (status != NS_OK) return ns_raise_status(status);
    return PyFloat_FromDouble(rate);
}

/* ---- the training loop ----------------------------------------------------------- */

/* The callback context of ns_train: Ctrl-C is checked at every call; the Python
 * callable sees only the history rows (step % record_every == 0 or the last step). */
typedef struct {
    PyObject *callback;   /* borrowed; may be None */
    int64_t record_every, steps;
    int failed;           /* an exception is pending */
} train_context;

static int32_t train_trampoline(void *context, int64_t step, double loss)
{
    train_context *ctx = (train_context *)context;
    PyGILState_STATE gil = PyGILState_Ensure();
    int32_t stop = 0;
    if (PyErr_CheckSignals() < 0) {
        stop = 1;
    } else if (ctx->callback != Py_None && (step % ctx->record_every == 0 || step == ctx->steps)) {
        PyObject *r = PyObject_CallFunction(ctx->callback, "Ld", (long long)step, loss);
        if (r == NULL) {
            stop = 1;
        } else {
            stop = (r == Py_False);
            Py_DECREF(r);
        }
    }
    if (stop && PyErr_Occurred()) ctx->failed = 1;
    PyGILState_Release(gil);
    return stop;
}

/* A buffer list (see native.h) of exactly one entry per argument; None entries give NULL. */
static int argument_list(buffer_list *list, PyObject *seq, Py_ssize_t n, int writeable, const char *name, int type)
{
    if (buffer_list_init(list, seq, name, writeable, 1, type) < 0) return -1;
    if (list->n != n) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd entries, one per argument", name, n);
        buffer_list_free(list);
        return -1;
    }
    return 0;
}

/* The pending exception as an object with its traceback (the error indicator is cleared). */
static PyObject *take_exception(void)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL && value != NULL) PyException_SetTraceback(value, tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    if (value == NULL) Py_RETURN_NONE;
    return value;
}

/*
 * train(loss, evaluation or None, dtype (0 float64, 1 float32), inputs, roles, rows, prox list or None,
 *       state outputs or None, state momenta or None, optimizer,
 *       schedule, schedule_parameters, steps, batch_size, replacement, seed, record_every,
 *       threshold, averaging, policy or None, parameters, averaged or None, history or None,
 *       info, callback or None, callback_seconds)
 *   -> (status, kinks text, exception raised by the callback or Ctrl-C, or None)
 * Statuses other than OK and CANCELLED raise.
 */
static PyObject *py_train(PyObject *self, PyObject *args)
{
    PyObject *loss_obj, *eval_obj, *inputs_obj, *roles_obj, *prox_obj, *opt_obj, *sched_params_obj, *policy_obj;
    PyObject *state_out_obj, *state_mom_obj;
    PyObject *params_obj, *averaged_obj, *history_obj, *info_obj, *callback;
    const char *schedule;
    long long rows, steps, batch_size, record_every;
    unsigned long long seed;
    int replacement, averaging, dtype;
    double threshold, callback_seconds;
    if (!PyArg_ParseTuple(args, "OOiOOLOOOOsOLLpKLdiOOOOOOd:train", &loss_obj, &eval_obj, &dtype, &inputs_obj, &roles_obj, &rows,
                          &prox_obj, &state_out_obj, &state_mom_obj, &opt_obj, &schedule, &sched_params_obj, &steps, &batch_size, &replacement, &seed,
                          &record_every, &threshold, &averaging, &policy_obj, &params_obj, &averaged_obj,
                          &history_obj, &info_obj, &callback, &callback_seconds))
        return NULL;
    if (!PyCapsule_IsValid(loss_obj, PROGRAM_CAPSULE) ||
        (eval_obj != Py_None && !PyCapsule_IsValid(eval_obj, PROGRAM_CAPSULE))) {
        PyErr_SetString(PyExc_TypeError, "loss: expected a program handle");
        return NULL;
    }
    ns_program *loss = PyCapsule_GetPointer(loss_obj, PROGRAM_CAPSULE);
    ns_program *evaluation = eval_obj == Py_None ? NULL : PyCapsule_GetPointer(eval_obj, PROGRAM_CAPSULE);
    ns_optimizer *optimizer = optimizer_from_capsule(opt_obj);
    int type = ns_dtype_type(dtype);
    if (optimizer == NULL || type < 0) return NULL;
    if (writeable_array(info_obj, "info") < 0) return NULL;
    if (PyArray_SIZE((PyArrayObject *)info_obj) < 4) {
        PyErr_SetString(PyExc_ValueError, "info: needs 4 entries");
        return NULL;
    }
    double *history = NULL;
    int64_t history_capacity = 0;
    if (history_obj != Py_None) {
        if (writeable_array(history_obj, "history") < 0) return NULL;
        PyArrayObject *h = (PyArrayObject *)history_obj;
        if (PyArray_NDIM(h) != 2 || PyArray_DIM(h, 0) != NS_TRAIN_HISTORY_COLUMNS) {
            PyErr_Format(PyExc_ValueError, "history: expected shape (%d, capacity)", NS_TRAIN_HISTORY_COLUMNS);
            return NULL;
        }
        history = PyArray_DATA(h);
        history_capacity = (int64_t)PyArray_DIM(h, 1);
    }
    ns_kink_policy policy_storage;
    const ns_kink_policy *policy = NULL;
    if (parse_policy(policy_obj, &policy_storage, &policy) < 0) return NULL;
    PyArrayObject *roles = (PyArrayObject *)PyArray_FROMANY(roles_obj, NPY_INT32, 1, 1,
                                                            NPY_ARRAY_IN_ARRAY | NPY_ARRAY_FORCECAST);
    PyArrayObject *sched = (PyArrayObject *)PyArray_FROMANY(sched_params_obj, NPY_DOUBLE, 1, 1, NPY_ARRAY_IN_ARRAY);
    if (roles == NULL || sched == NULL) {
        Py_XDECREF(roles);
        Py_XDECREF(sched);
        PyErr_Clear();
        PyErr_SetString(PyExc_TypeError, "roles / schedule parameters: expected 1-D numeric sequences");
        return NULL;
    }
    Py_ssize_t n = PyArray_SIZE(roles);
    PyArrayObject *state_out = NULL, *state_mom = NULL;
    if (state_out_obj != Py_None || state_mom_obj != Py_None) {
        state_out = (PyArrayObject *)PyArray_FROMANY(state_out_obj, NPY_INT64, 1, 1, NPY_ARRAY_IN_ARRAY | NPY_ARRAY_FORCECAST);
        state_mom = (PyArrayObject *)PyArray_FROMANY(state_mom_obj, NPY_DOUBLE, 1, 1, NPY_ARRAY_IN_ARRAY);
        if (state_out == NULL || state_mom == NULL || PyArray_SIZE(state_out) != n || PyArray_SIZE(state_mom) != n) {
            Py_XDECREF(state_out);
            Py_XDECREF(state_mom);
            Py_DECREF(roles);
            Py_DECREF(sched);
            PyErr_Clear();
            PyErr_SetString(PyExc_ValueError, "state outputs / momenta: expected one entry per argument");
            return NULL;
        }
    }
    buffer_list in = {0}, out = {0}, avg = {0};
    ns_prox **prox = NULL;
    PyObject *result = NULL;
    if (argument_list(&in, inputs_obj, n, 0, "inputs", type) < 0 ||
        argument_list(&out, params_obj, n, 1, "parameters", type) < 0 ||
        (averaged_obj != Py_None && argument_list(&avg, averaged_obj, n, 1, "averaged", type) < 0))
        goto done;
    if (prox_obj != Py_None) {
        PyObject *fast = PySequence_Fast(prox_obj, "prox");
        if (fast == NULL) goto done;
        if (PySequence_Fast_GET_SIZE(fast) != n) {
            PyErr_SetString(PyExc_ValueError, "prox: one entry (or None) per argument is needed");
            Py_DECREF(fast);
            goto done;
        }
        prox = PyMem_Calloc(n > 0 ? n : 1, sizeof(ns_prox *));
        if (prox == NULL) { Py_DECREF(fast); PyErr_NoMemory(); goto done; }
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *item = PySequence_Fast_GET_ITEM(fast, i);
            if (item == Py_None) continue;
            prox[i] = PyCapsule_GetPointer(item, PROX_CAPSULE);
            if (prox[i] == NULL) {
                PyErr_Clear();
                PyErr_Format(PyExc_TypeError, "prox: entry %zd must be a nonsmooth.prox operator handle", i);
                Py_DECREF(fast);
                goto done;
            }
        }
        Py_DECREF(fast);
    }
    {
        char kinks[KINKS_CAPACITY];
        kinks[0] = '\0';
        train_context ctx = {callback, record_every > 0 ? record_every : 1, steps, 0};
        double *info = PyArray_DATA((PyArrayObject *)info_obj);
        const int32_t *role_data = PyArray_DATA(roles);
        const double *sched_data = PyArray_DATA(sched);
        int64_t n_sched = (int64_t)PyArray_SIZE(sched);
        ns_status status;
        Py_BEGIN_ALLOW_THREADS
        status = ns_train(loss, evaluation, dtype, (int64_t)n, (const void *const *)in.data, in.sizes, role_data, rows,
                          (const ns_prox *const *)prox,
                          state_out == NULL ? NULL : (const int64_t *)PyArray_DATA(state_out),
                          state_mom == NULL ? NULL : (const double *)PyArray_DATA(state_mom), optimizer, schedule, sched_data, n_sched, steps, batch_size,
                          replacement, (uint64_t)seed, record_every, threshold, averaging, policy,
                          (void *const *)out.data, averaged_obj == Py_None ? NULL : (void *const *)avg.data,
                          history, history_capacity, kinks, KINKS_CAPACITY, info, train_trampoline, &ctx,
                          callback_seconds);
        Py_END_ALLOW_THREADS
        if (status != NS_OK && status != NS_CANCELLED) {
            if (ctx.failed) PyErr_Clear();
            ns_raise_status(status);
            goto done;
        }
        PyObject *exception = ctx.failed ? take_exception() : (Py_INCREF(Py_None), Py_None);
        if (exception == NULL) goto done;
        result = Py_BuildValue("(isN)", (int)status, kinks, exception);
    }
done:
    Py_DECREF(roles);
    Py_DECREF(sched);
    Py_XDECREF(state_out);
    Py_XDECREF(state_mom);
    buffer_list_free(&in);
    buffer_list_free(&out);
    buffer_list_free(&avg);
    PyMem_Free(prox);
    return result;
}

PyMethodDef ns_training_methods[] = {
    {"optimizer_create", py_optimizer_create, METH_VARARGS, "optimizer_create(kind, hyperparameters) -> handle"},
    {"optimizer_step", py_optimizer_step, METH_VARARGS, "optimizer_step(optimizer, params, grads, rate)"},
    {"optimizer_reset", py_optimizer_reset, METH_O, "optimizer_reset(optimizer)"},
    {"optimizer_get_state", py_optimizer_get_state, METH_O, "optimizer_get_state(optimizer) -> state"},
    {"optimizer_set_state", py_optimizer_set_state, METH_VARARGS, "optimizer_set_state(optimizer, state)"},
    {"optimizer_momentum_schedule", py_optimizer_momentum_schedule, METH_VARARGS,
     "optimizer_momentum_schedule(optimizer, kind, parameters, complement)"},
    {"learning_rate", py_learning_rate, METH_VARARGS, "learning_rate(kind, parameters, step) -> float"},
    {"train", py_train, METH_VARARGS, "train(...) -> (status, kinks, exception or None); see training/_train.py"},
    {NULL, NULL, 0, NULL},
};
