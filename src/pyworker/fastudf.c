/* The row-at-a-time UDF loop of the Python worker in C (sparkpp/sql/_udf_eval.py): calls the
 * user's function once per row and writes each result straight into the output column when it
 * is already of the column's Python type; the rest come back for the per-value rules. Pure
 * Python does the same with list(map(f, ...)) + struct.pack, which keeps every result alive
 * until the batch ends and walks the values twice more (docs/benchmarks.md, session 21).
 * Optional: the worker falls back to pure Python when this module cannot be imported. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

/* One argument column: a list of Python values, or a buffer of fixed-width numbers. */
typedef struct {
  PyObject* list; /* borrowed; NULL for a buffer */
  Py_buffer view;
  char code; /* b h i q (signed, 1-8 bytes) f d */
} Arg;

static int arg_open(Arg* a, PyObject* obj, Py_ssize_t n) {
  a->list = NULL;
  a->code = 0;
  if (PyList_CheckExact(obj)) {
    if (PyList_GET_SIZE(obj) < n) {
      PyErr_SetString(PyExc_ValueError, "an argument column is shorter than the batch");
      return -1;
    }
    a->list = obj;
    return 0;
  }
  if (PyObject_GetBuffer(obj, &a->view, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0) return -1;
  const char* fmt = a->view.format ? a->view.format : "B";
  if (*fmt == '<' || *fmt == '=' || *fmt == '@') ++fmt;
  const Py_ssize_t w = a->view.itemsize;
  char code = 0;
  if (strlen(fmt) == 1 && strchr("bhilq", *fmt)) /* signed integers, by width ('l' is 8 bytes here) */
    code = w == 1 ? 'b' : w == 2 ? 'h' : w == 4 ? 'i' : w == 8 ? 'q' : 0;
  else if (strlen(fmt) == 1 && ((*fmt == 'f' && w == 4) || (*fmt == 'd' && w == 8)))
    code = *fmt;
  if (!code || a->view.len < n * w) {
    PyBuffer_Release(&a->view);
    PyErr_SetString(PyExc_ValueError, "an argument column is not a buffer of numbers of the batch's length");
    return -1;
  }
  a->code = code;
  return 0;
}

static void arg_close(Arg* a) {
  if (!a->list) PyBuffer_Release(&a->view);
}

/* Row i of a buffer column as a new reference. */
static PyObject* arg_value(const Arg* a, Py_ssize_t i) {
  const char* p = (const char*)a->view.buf;
  switch (a->code) {
    case 'b': return PyLong_FromLong(((const int8_t*)p)[i]);
    case 'h': return PyLong_FromLong(((const int16_t*)p)[i]);
    case 'i': return PyLong_FromLong(((const int32_t*)p)[i]);
    case 'q': return PyLong_FromLongLong(((const int64_t*)p)[i]);
    case 'f': return PyFloat_FromDouble(((const float*)p)[i]);
    default: return PyFloat_FromDouble(((const double*)p)[i]);
  }
}

/* Stores r at out[i] when it is exactly of the column's Python type and in range: 1 stored,
 * 0 not (left to the per-value rules). */
static int store(char kind, char* out, Py_ssize_t i, PyObject* r) {
  if (kind == 'f' || kind == 'd') {
    if (!PyFloat_CheckExact(r)) return 0;
    if (kind == 'd')
      ((double*)out)[i] = PyFloat_AS_DOUBLE(r);
    else
      ((float*)out)[i] = (float)PyFloat_AS_DOUBLE(r);
    return 1;
  }
  if (!PyLong_CheckExact(r)) return 0; /* bool, None, float, numpy scalars: per value */
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(r, &overflow);
  if (overflow) return 0;
  if (v == -1 && PyErr_Occurred()) {
    PyErr_Clear();
    return 0;
  }
  switch (kind) {
    case 'b':
      if (v < INT8_MIN || v > INT8_MAX) return 0;
      ((int8_t*)out)[i] = (int8_t)v;
      return 1;
    case 'h':
      if (v < INT16_MIN || v > INT16_MAX) return 0;
      ((int16_t*)out)[i] = (int16_t)v;
      return 1;
    case 'i':
      if (v < INT32_MIN || v > INT32_MAX) return 0;
      ((int32_t*)out)[i] = (int32_t)v;
      return 1;
    default:
      ((int64_t*)out)[i] = (int64_t)v;
      return 1;
  }
}

static size_t width_of(char kind) {
  switch (kind) {
    case 'b': return 1;
    case 'h': return 2;
    case 'i': case 'f': return 4;
    default: return 8;
  }
}

PyDoc_STRVAR(call_into_doc,
             "call_into(f, args, n, out, kind) -> None | [(row, result), ...]\n\n"
             "Calls f(*row) for rows 0..n-1 of the argument columns `args` (lists, or buffers of\n"
             "b/h/i/q/f/d numbers) and writes each result that is exactly an int in range (kind\n"
             "b/h/i/q) or a float (f/d) into the writable buffer `out`. The others are returned\n"
             "with their rows (None when there are none); their slots are left as they were.\n"
             "An exception from f propagates.");

static PyObject* call_into(PyObject* self, PyObject* const* argv, Py_ssize_t argc) {
  (void)self;
  if (argc != 5) {
    PyErr_SetString(PyExc_TypeError, "call_into takes 5 arguments");
    return NULL;
  }
  PyObject* f = argv[0];
  PyObject* cols = argv[1];
  Py_ssize_t n = PyLong_AsSsize_t(argv[2]);
  if (n == -1 && PyErr_Occurred()) return NULL;
  if (!PyUnicode_Check(argv[4]) || PyUnicode_GET_LENGTH(argv[4]) != 1) {
    PyErr_SetString(PyExc_TypeError, "kind must be one character");
    return NULL;
  }
  const Py_UCS4 k = PyUnicode_READ_CHAR(argv[4], 0);
  if (k > 127 || !strchr("bhiqfd", (char)k)) {
    PyErr_SetString(PyExc_ValueError, "kind must be one of b h i q f d");
    return NULL;
  }
  const char kind = (char)k;
  PyObject* seq = PySequence_Fast(cols, "args must be a sequence");
  if (!seq) return NULL;
  const Py_ssize_t nargs = PySequence_Fast_GET_SIZE(seq);
  Py_buffer out;
  if (PyObject_GetBuffer(argv[3], &out, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) < 0) {
    Py_DECREF(seq);
    return NULL;
  }
  if ((size_t)out.len < (size_t)n * width_of(kind)) {
    PyErr_SetString(PyExc_ValueError, "the output buffer is shorter than the batch");
    PyBuffer_Release(&out);
    Py_DECREF(seq);
    return NULL;
  }
  Arg* a = PyMem_Calloc((size_t)nargs + 1, sizeof(Arg));
  /* Slot 0 stays free for PY_VECTORCALL_ARGUMENTS_OFFSET. */
  PyObject** call = PyMem_Calloc((size_t)nargs + 1, sizeof(PyObject*));
  PyObject* slow = NULL;
  PyObject* result = NULL;
  Py_ssize_t opened = 0;
  if (!a || !call) {
    PyErr_NoMemory();
    goto done;
  }
  for (; opened < nargs; ++opened)
    if (arg_open(&a[opened], PySequence_Fast_GET_ITEM(seq, opened), n) < 0) goto done;
  for (Py_ssize_t i = 0; i < n; ++i) {
    Py_ssize_t j;
    for (j = 0; j < nargs; ++j) {
      if (a[j].list) {
        call[j + 1] = PyList_GET_ITEM(a[j].list, i); /* borrowed: the list is held by seq */
      } else if (!(call[j + 1] = arg_value(&a[j], i))) {
        break;
      }
    }
    PyObject* r = j == nargs ? PyObject_Vectorcall(f, call + 1, (size_t)nargs | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL)
                             : NULL;
    for (Py_ssize_t m = 0; m < j; ++m)
      if (!a[m].list) Py_DECREF(call[m + 1]);
    if (!r) goto done;
    if (store(kind, (char*)out.buf, i, r)) {
      Py_DECREF(r);
      continue;
    }
    if (!slow && !(slow = PyList_New(0))) {
      Py_DECREF(r);
      goto done;
    }
    PyObject* pair = Py_BuildValue("(nN)", i, r); /* steals r */
    if (!pair || PyList_Append(slow, pair) < 0) {
      Py_XDECREF(pair);
      goto done;
    }
    Py_DECREF(pair);
  }
  if (slow) {
    result = slow;
    slow = NULL;
  } else {
    result = Py_NewRef(Py_None);
  }
done:
  for (Py_ssize_t j = 0; j < opened; ++j) arg_close(&a[j]);
  PyMem_Free(a);
  PyMem_Free(call);
  Py_XDECREF(slow);
  PyBuffer_Release(&out);
  Py_DECREF(seq);
  return result;
}

static PyMethodDef methods[] = {
    {"call_into", (PyCFunction)(void (*)(void))call_into, METH_FASTCALL, call_into_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fastudf", "The row-at-a-time UDF loop of sparkpp's Python worker.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__fastudf(void) { return PyModule_Create(&module); }
