/* sortByKey's map side in C (sparkpp/shuffle.py _int_pairs_bucketer): takes (int, int) records
 * from the task's iterator, routes each by its key to a range partition (bisect_left over the
 * bounds) and writes them as int pair batches (serializers.dumps_int_pairs; docs/protocol.md
 * "Shuffle records: int pair batches"). The same loop in Python (tuple unpacking, two type
 * checks, bisect, two array appends) cost ~250 ns a record, a fifth of W5's map side
 * (docs/benchmarks.md, session 25). Optional: without this module the Python loop runs.
 * Also prctl(PR_SET_PDEATHSIG) for the Python daemon and its workers (sparkpp/daemon.py), which
 * otherwise import ctypes for it: ~5 ms of every daemon's start. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

typedef struct {
  int64_t* keys;
  int64_t* values;
  Py_ssize_t n, cap;
} Bucket;

static int bucket_push(Bucket* b, int64_t k, int64_t v) {
  if (b->n == b->cap) {
    Py_ssize_t cap = b->cap ? b->cap * 2 : 1024;
    int64_t* nk = PyMem_Realloc(b->keys, (size_t)cap * sizeof(int64_t));
    if (!nk) return -1;
    b->keys = nk;
    int64_t* nv = PyMem_Realloc(b->values, (size_t)cap * sizeof(int64_t));
    if (!nv) return -1;
    b->values = nv;
    b->cap = cap;
  }
  b->keys[b->n] = k;
  b->values[b->n] = v;
  ++b->n;
  return 0;
}

/* An int of 64 bits exactly (not a bool, not a subclass): 1 and *out set; 0 otherwise. */
static int exact_i64(PyObject* o, int64_t* out) {
  if (!PyLong_CheckExact(o)) return 0;
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
  if (overflow || (v == -1 && PyErr_Occurred())) {
    PyErr_Clear();
    return 0;
  }
  *out = (int64_t)v;
  return 1;
}

/* The batch of bucket b: u8 0 | u8 kind 1 | u8 flags | u8 0 | u32 LE n | n i64 keys | n i64 values
 * (little-endian hosts only: the caller checks). */
static PyObject* batch_bytes(const Bucket* b, int flags) {
  PyObject* out = PyBytes_FromStringAndSize(NULL, 8 + 16 * b->n);
  if (!out) return NULL;
  char* p = PyBytes_AS_STRING(out);
  uint32_t n = (uint32_t)b->n;
  p[0] = 0;
  p[1] = 1;
  p[2] = (char)flags;
  p[3] = 0;
  memcpy(p + 4, &n, 4);
  memcpy(p + 8, b->keys, (size_t)b->n * 8);
  memcpy(p + 8 + 8 * b->n, b->values, (size_t)b->n * 8);
  return out;
}

/* bucket_int_pairs(iterator, bounds, chunk, flags, last) -> (batches, odd, taken)
 * Takes up to `chunk` records from iterator. Each (int, int) pair of 64-bit ints goes to
 * partition bisect_left(bounds, key) (bounds: a tuple of 64-bit ints, ascending). The first
 * other record stops the loop and comes back as `odd` (None otherwise); `taken` counts the records
 * taken, odd included. batches: [(partition, int pair batch)] in partition order, partition p
 * numbered `last - p` when last >= 0 (descending: last is numPartitions - 1, which may be more
 * than len(bounds)), as the Python loop yields them. */
static PyObject* bucket_int_pairs(PyObject* self, PyObject* args) {
  (void)self;
  PyObject *it, *bounds_obj;
  Py_ssize_t chunk;
  int flags;
  Py_ssize_t last;
  if (!PyArg_ParseTuple(args, "OO!nin", &it, &PyTuple_Type, &bounds_obj, &chunk, &flags, &last)) return NULL;
  if (!PyIter_Check(it)) {
    PyErr_SetString(PyExc_TypeError, "bucket_int_pairs: not an iterator");
    return NULL;
  }
  const Py_ssize_t nb = PyTuple_GET_SIZE(bounds_obj), parts = nb + 1;
  int64_t* bounds = PyMem_Malloc((size_t)(nb ? nb : 1) * sizeof(int64_t));
  Bucket* buckets = PyMem_Calloc((size_t)parts, sizeof(Bucket));
  PyObject *result = NULL, *odd = NULL, *batches = NULL;
  if (!bounds || !buckets) {
    PyErr_NoMemory();
    goto done;
  }
  for (Py_ssize_t i = 0; i < nb; ++i) {
    if (!exact_i64(PyTuple_GET_ITEM(bounds_obj, i), &bounds[i])) {
      PyErr_SetString(PyExc_TypeError, "bucket_int_pairs: bounds must be 64-bit ints");
      goto done;
    }
  }
  Py_ssize_t taken = 0;
  while (taken < chunk) {
    PyObject* rec = PyIter_Next(it);
    if (!rec) {
      if (PyErr_Occurred()) goto done;
      break;
    }
    ++taken;
    /* What `for k, v in iterator` unpacks into two ints: a tuple (or a namedtuple) or a list of
     * two. PySpark's partitionBy makes every record a plain (k, v) tuple, as the batch does. */
    PyObject *k0 = NULL, *v0 = NULL;
    if (PyTuple_Check(rec) && PyTuple_GET_SIZE(rec) == 2) {
      k0 = PyTuple_GET_ITEM(rec, 0);
      v0 = PyTuple_GET_ITEM(rec, 1);
    } else if (PyList_CheckExact(rec) && PyList_GET_SIZE(rec) == 2) {
      k0 = PyList_GET_ITEM(rec, 0);
      v0 = PyList_GET_ITEM(rec, 1);
    }
    int64_t k, v;
    if (!k0 || !exact_i64(k0, &k) || !exact_i64(v0, &v)) {
      odd = rec; /* owned */
      break;
    }
    Py_DECREF(rec);
    Py_ssize_t lo = 0, hi = nb; /* bisect_left */
    while (lo < hi) {
      Py_ssize_t mid = (lo + hi) / 2;
      if (bounds[mid] < k) lo = mid + 1;
      else hi = mid;
    }
    if (bucket_push(&buckets[lo], k, v) < 0) {
      PyErr_NoMemory();
      goto done;
    }
  }
  batches = PyList_New(0);
  if (!batches) goto done;
  for (Py_ssize_t p = 0; p < parts; ++p) {
    if (!buckets[p].n) continue;
    PyObject* b = batch_bytes(&buckets[p], flags);
    if (!b) goto done;
    PyObject* item = Py_BuildValue("(nN)", last >= 0 ? last - p : p, b);
    if (!item || PyList_Append(batches, item) < 0) {
      Py_XDECREF(item);
      goto done;
    }
    Py_DECREF(item);
  }
  result = Py_BuildValue("(OOn)", batches, odd ? odd : Py_None, taken);
done:
  Py_XDECREF(batches);
  Py_XDECREF(odd);
  if (buckets) {
    for (Py_ssize_t p = 0; p < parts; ++p) {
      PyMem_Free(buckets[p].keys);
      PyMem_Free(buckets[p].values);
    }
    PyMem_Free(buckets);
  }
  PyMem_Free(bounds);
  return result;
}

/* set_pdeathsig(sig): this process gets `sig` when its parent dies (Linux; elsewhere a no-op). */
static PyObject* set_pdeathsig(PyObject* self, PyObject* arg) {
  (void)self;
  long sig = PyLong_AsLong(arg);
  if (sig == -1 && PyErr_Occurred()) return NULL;
#ifdef __linux__
  if (prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0, 0, 0) != 0) return PyErr_SetFromErrno(PyExc_OSError);
#endif
  Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"bucket_int_pairs", bucket_int_pairs, METH_VARARGS,
     "bucket_int_pairs(iterator, bounds, chunk, flags, last) -> (batches, odd, taken)"},
    {"set_pdeathsig", set_pdeathsig, METH_O, "set_pdeathsig(sig): prctl(PR_SET_PDEATHSIG, sig)"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fastrdd", "sortByKey's map side in C.", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__fastrdd(void) { return PyModule_Create(&module); }
