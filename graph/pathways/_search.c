/* The route search of graph.pathways.paths, compiled, over the compact adjacency file of a build.
 *
 * graph.cache.adjacency writes the file; graph.pathways.paths._routes is the same search in
 * Python (and the reference: tests/pathways/test_numbered.py checks that both find the same node
 * sequences). Entities are numbered in the order of their ids (UTF-8 bytes), so a number is found
 * by binary search and every row lists its neighbours in number order.
 *
 * Layout, little-endian, every array of uint32 four-byte aligned:
 *   "HKGADJ1\n"   magic
 *   uint64 n      entities
 *   uint64 e      distinct (subject, object) pairs of the claims
 *   uint64 b      bytes of ids
 *   uint32 id_offsets[n + 1], succ_offsets[n + 1], succ[e], pred_offsets[n + 1], pred[e]
 *   char   ids[b] the ids, UTF-8, each entity's id at ids[id_offsets[i] : id_offsets[i + 1]]
 *
 * The file is a build's own output, written atomically, but nothing read from it is trusted: an
 * offset or a number out of range stops the search with ValueError instead of reading out of
 * bounds.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define MAGIC "HKGADJ1\n"
#define HEADER 32
#define EMPTY UINT32_MAX
#define FAR INT32_MAX

typedef struct {
    Py_buffer view;
    uint32_t n, e;
    const uint32_t *id_offsets, *succ_offsets, *succ, *pred_offsets, *pred;
    const char *ids;
    uint64_t id_bytes;
    int corrupt;
} Adjacency;

static int adjacency_open(PyObject *source, Adjacency *a) {
    uint64_t n, e, b;
    if (PyObject_GetBuffer(source, &a->view, PyBUF_SIMPLE) < 0)
        return -1;
    const char *p = a->view.buf;
    uint64_t length = (uint64_t)a->view.len;
    a->corrupt = 0;
    if (length < HEADER || memcmp(p, MAGIC, 8) != 0 || ((uintptr_t)p & 3) != 0)
        goto bad;
    memcpy(&n, p + 8, 8);
    memcpy(&e, p + 16, 8);
    memcpy(&b, p + 24, 8);
    if (n >= UINT32_MAX || e >= UINT32_MAX || b > length)
        goto bad;
    if (HEADER + 4 * (3 * (n + 1) + 2 * e) + b != length)
        goto bad;
    a->n = (uint32_t)n;
    a->e = (uint32_t)e;
    a->id_bytes = b;
    a->id_offsets = (const uint32_t *)(p + HEADER);
    a->succ_offsets = a->id_offsets + (n + 1);
    a->succ = a->succ_offsets + (n + 1);
    a->pred_offsets = a->succ + e;
    a->pred = a->pred_offsets + (n + 1);
    a->ids = (const char *)(a->pred + e);
    return 0;
bad:
    PyBuffer_Release(&a->view);
    PyErr_SetString(PyExc_ValueError, "not an hkg adjacency file (or a damaged one): run `hkg build` again");
    return -1;
}

/* Set the ValueError every damage found while reading the file raises. */
static void damaged(void) {
    PyErr_SetString(PyExc_ValueError, "a damaged hkg adjacency file: run `hkg build` again");
}

/* The neighbours of v on one side: row[0 .. *count), or NULL (and corrupt set) if out of range. */
static const uint32_t *row(Adjacency *a, const uint32_t *offsets, const uint32_t *targets, uint32_t v,
                           uint32_t *count) {
    uint32_t lo = offsets[v], hi = offsets[v + 1];
    if (lo > hi || hi > a->e) {
        a->corrupt = 1;
        *count = 0;
        return NULL;
    }
    *count = hi - lo;
    return targets + lo;
}

/* The number of neighbours of v on one side (0, and corrupt set, for a damaged row). */
static uint32_t width(Adjacency *a, const uint32_t *offsets, uint32_t v) {
    uint32_t lo = offsets[v], hi = offsets[v + 1];
    if (lo > hi || hi > a->e) {
        a->corrupt = 1;
        return 0;
    }
    return hi - lo;
}

/* --- growable arrays and an open-addressing map of uint32 to int32 ------------------------- */

typedef struct { uint32_t *items; size_t size, capacity; } Vec;

static int vec_push(Vec *v, uint32_t item) {
    if (v->size == v->capacity) {
        size_t capacity = v->capacity ? 2 * v->capacity : 64;
        uint32_t *items = PyMem_Realloc(v->items, capacity * sizeof(uint32_t));
        if (items == NULL)
            return -1;
        v->items = items;
        v->capacity = capacity;
    }
    v->items[v->size++] = item;
    return 0;
}

typedef struct { uint32_t *keys; int32_t *values; size_t size, capacity; } Map;

static size_t map_slot(const Map *m, uint32_t key) {
    size_t mask = m->capacity - 1, i = (key * 2654435761u) & mask;
    while (m->keys[i] != EMPTY && m->keys[i] != key)
        i = (i + 1) & mask;
    return i;
}

static int map_init(Map *m, size_t capacity) {
    m->capacity = capacity;
    m->size = 0;
    m->keys = PyMem_Malloc(capacity * sizeof(uint32_t));
    m->values = PyMem_Malloc(capacity * sizeof(int32_t));
    if (m->keys == NULL || m->values == NULL)
        return -1;
    memset(m->keys, 0xff, capacity * sizeof(uint32_t));
    return 0;
}

static int32_t map_get(const Map *m, uint32_t key, int32_t missing) {
    size_t i = map_slot(m, key);
    return m->keys[i] == EMPTY ? missing : m->values[i];
}

static int map_put(Map *m, uint32_t key, int32_t value) {
    if (2 * (m->size + 1) > m->capacity) {
        Map bigger;
        if (map_init(&bigger, 2 * m->capacity) < 0) {
            PyMem_Free(bigger.keys);
            PyMem_Free(bigger.values);
            return -1;
        }
        for (size_t i = 0; i < m->capacity; i++)
            if (m->keys[i] != EMPTY) {
                size_t j = map_slot(&bigger, m->keys[i]);
                bigger.keys[j] = m->keys[i];
                bigger.values[j] = m->values[i];
                bigger.size++;
            }
        PyMem_Free(m->keys);
        PyMem_Free(m->values);
        *m = bigger;
    }
    size_t i = map_slot(m, key);
    if (m->keys[i] == EMPTY) {
        m->keys[i] = key;
        m->size++;
    }
    m->values[i] = value;
    return 0;
}

/* The number of the entity whose id is key (binary search over the ids in byte order), or -1;
 * -1 with corrupt set for a damaged offset. */
static long find_number(Adjacency *a, const char *key, size_t key_length) {
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        uint32_t from = a->id_offsets[mid], to = a->id_offsets[mid + 1];
        if (from > to || to > a->id_bytes) {
            a->corrupt = 1;
            return -1;
        }
        size_t length = to - from, shorter = length < key_length ? length : key_length;
        int order = memcmp(a->ids + from, key, shorter);
        if (order == 0)
            order = length < key_length ? -1 : length > key_length;
        if (order == 0)
            return (long)mid;
        if (order < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* The number of the entity whose id is the str `id`, -1 if none (a str UTF-8 cannot encode,
 * such as a lone surrogate, is no id of the file), -2 with an exception set. */
static long find_id(Adjacency *a, PyObject *id) {
    Py_ssize_t length;
    const char *key = PyUnicode_AsUTF8AndSize(id, &length);
    if (key == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError))
            return -2;
        PyErr_Clear();
        return -1;
    }
    return find_number(a, key, (size_t)length);
}

/* --- the search ---------------------------------------------------------------------------- */

/* The ball: entities that reach the goal within `depth` steps (graph.pathways.paths._Ball).
 * `toward` maps an entity to the head of its list of successors in the ball, kept in the
 * `toward_node` / `toward_next` arena (-1 ends a list). */
typedef struct {
    Map distance, toward;
    Vec frontier, toward_node, toward_next;
    int32_t depth;
    uint64_t cost;
} Ball;

static uint64_t pred_total(Adjacency *a, const Vec *nodes) {
    uint64_t total = 0;
    for (size_t i = 0; i < nodes->size; i++)
        total += width(a, a->pred_offsets, nodes->items[i]);
    return total;
}

/* Ctrl-C (or a handler's exception) interrupts a long search: checked every 2^16 steps. */
static int interrupted(uint64_t *ticks) {
    return (++*ticks & 0xffff) == 0 && PyErr_CheckSignals() < 0;
}

/* Grow the ball one step back; -1 with an exception set on failure. */
static int ball_grow(Adjacency *a, Ball *ball, uint64_t *ticks) {
    int32_t depth = ball->depth + 1;
    Vec layer = {0};
    for (size_t i = 0; i < ball->frontier.size; i++) {
        uint32_t node = ball->frontier.items[i], count;
        const uint32_t *before = row(a, a->pred_offsets, a->pred, node, &count);
        for (uint32_t j = 0; j < count; j++) {
            uint32_t v = before[j];
            if (interrupted(ticks)) {
                PyMem_Free(layer.items);
                return -1;
            }
            if (v >= a->n) {
                a->corrupt = 1;
                break;
            }
            int32_t head = map_get(&ball->toward, v, -1);
            if (map_put(&ball->toward, v, (int32_t)ball->toward_node.size) < 0 ||
                vec_push(&ball->toward_node, node) < 0 || vec_push(&ball->toward_next, (uint32_t)head) < 0 ||
                ball->toward_node.size >= FAR)
                goto fail;
            if (map_get(&ball->distance, v, -1) < 0) {
                if (map_put(&ball->distance, v, depth) < 0 || vec_push(&layer, v) < 0)
                    goto fail;
            }
        }
    }
    PyMem_Free(ball->frontier.items);
    ball->frontier = layer;
    ball->cost = pred_total(a, &layer);
    ball->depth = layer.size ? depth : FAR;
    return 0;
fail:
    PyMem_Free(layer.items);
    PyErr_NoMemory();
    return -1;
}

static int has_edge(Adjacency *a, uint32_t from, uint32_t to) {
    uint32_t count;
    const uint32_t *next = row(a, a->succ_offsets, a->succ, from, &count);
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (next[mid] < to)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < count && next[lo] == to;
}

static int on_path(const uint32_t *path, int length, uint32_t node) {
    for (int i = 0; i < length; i++)
        if (path[i] == node)
            return 1;
    return 0;
}

/* The id of entity v as a str, or NULL with ValueError for a damaged offset. */
static PyObject *id_of(Adjacency *a, uint32_t v) {
    if (v >= a->n || a->id_offsets[v] > a->id_offsets[v + 1] || a->id_offsets[v + 1] > a->id_bytes) {
        damaged();
        return NULL;
    }
    PyObject *id = PyUnicode_DecodeUTF8(a->ids + a->id_offsets[v], a->id_offsets[v + 1] - a->id_offsets[v], "strict");
    if (id == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        PyErr_Clear();
        damaged();
    }
    return id;
}

/* The ids of the entities routes name, each decoded once per call: `at` maps a number to its
 * place in `decoded` (a list). */
typedef struct { Map at; PyObject *decoded; } Names;

/* A new reference to the id of entity v, or NULL with an exception set. */
static PyObject *name_of(Adjacency *a, Names *names, uint32_t v) {
    int32_t i = map_get(&names->at, v, -1);
    if (i >= 0) {
        PyObject *id = PyList_GET_ITEM(names->decoded, i);
        Py_INCREF(id);
        return id;
    }
    PyObject *id = id_of(a, v);
    if (id == NULL)
        return NULL;
    if (map_put(&names->at, v, (int32_t)PyList_GET_SIZE(names->decoded)) < 0) {
        Py_DECREF(id);
        PyErr_NoMemory();
        return NULL;
    }
    if (PyList_Append(names->decoded, id) < 0) {
        Py_DECREF(id);
        return NULL;
    }
    return id;
}

/* Append the route path[0 .. length) + last to out, as a tuple of ids. */
static int emit(PyObject *out, Adjacency *a, Names *names, const uint32_t *path, int length, uint32_t last) {
    PyObject *route = PyTuple_New(length + 1);
    if (route == NULL)
        return -1;
    for (int i = 0; i <= length; i++) {
        PyObject *id = name_of(a, names, i < length ? path[i] : last);
        if (id == NULL) {
            Py_DECREF(route);
            return -1;
        }
        PyTuple_SET_ITEM(route, i, id);
    }
    int failed = PyList_Append(out, route);
    Py_DECREF(route);
    return failed;
}

/* Extend a partial route by `node` into the next layer (stride = its length + 1), unless the
 * layer holds `most` routes already: then it is dropped and *capped set (the search stops after
 * this length, whose complete routes are still collected). -1 when memory runs out. */
static int extend(Vec *next, const uint32_t *path, int length, uint32_t node, size_t most, int *capped) {
    if (*capped)
        return 0;
    if (next->size / (size_t)(length + 1) >= most) {
        *capped = 1;
        next->size = 0;
        return 0;
    }
    for (int i = 0; i < length; i++)
        if (vec_push(next, path[i]) < 0)
            return -1;
    return vec_push(next, node);
}

PyDoc_STRVAR(routes_doc,
"routes(adjacency, start, goal, first, max_length, max_partial)\n--\n\n"
"The simple routes from start to goal (entity ids; start == goal: the loops through it) of the\n"
"shortest length from first to max_length steps that has any, as tuples of ids. Returns\n"
"(routes, following): following is the next length to ask for, 0 when no longer route can exist,\n"
"-1 when it would hold more than max_partial partial routes. None when max_partial is passed\n"
"before any route is found. KeyError when start or goal is no entity of the file.");

static PyObject *routes(PyObject *module, PyObject *args) {
    PyObject *source, *start_id, *goal_id, *out = NULL, *result = NULL;
    Py_ssize_t max_partial;
    int first, max_length;
    Adjacency a;
    if (!PyArg_ParseTuple(args, "OUUiin:routes", &source, &start_id, &goal_id,
                          &first, &max_length, &max_partial))
        return NULL;
    if (adjacency_open(source, &a) < 0)
        return NULL;
    Ball ball = {0};
    Vec paths = {0}, next = {0};
    Names names = {{0}, NULL};
    int following = 0, capped = 0;
    Py_ssize_t found = 0;
    uint64_t ticks = 0;
    long start_number = find_id(&a, start_id);
    long goal_number = start_number < -1 || a.corrupt ? -1 : find_id(&a, goal_id);
    if (start_number < -1 || goal_number < -1)
        goto done;
    if (a.corrupt) {
        damaged();
        goto done;
    }
    if (start_number < 0 || goal_number < 0) {
        PyErr_SetObject(PyExc_KeyError, start_number < 0 ? start_id : goal_id);
        goto done;
    }
    if (max_length < 1 || max_partial < 1) {
        PyErr_SetString(PyExc_ValueError, "max_length and max_partial must be at least 1");
        goto done;
    }
    uint32_t start = (uint32_t)start_number, goal = (uint32_t)goal_number;
    size_t most = (size_t)max_partial;
    out = PyList_New(0);
    names.decoded = PyList_New(0);
    if (out == NULL || names.decoded == NULL || map_init(&names.at, 64) < 0 ||
        map_init(&ball.distance, 64) < 0 || map_init(&ball.toward, 64) < 0 ||
        map_put(&ball.distance, goal, 0) < 0 || vec_push(&ball.frontier, goal) < 0 || vec_push(&paths, start) < 0)
        goto nomemory;
    ball.cost = width(&a, a.pred_offsets, goal);
    for (int depth = 1; depth <= max_length; depth++) {
        int32_t left = max_length - depth;
        int length = depth;  /* nodes in each partial route */
        size_t count = paths.size / length;
        if (ball.depth <= left) {
            uint64_t ahead = 0;
            for (size_t i = 0; i < count; i++)
                ahead += width(&a, a.succ_offsets, paths.items[i * length + length - 1]);
            while (ball.depth <= left && ball.cost <= ahead)
                if (ball_grow(&a, &ball, &ticks) < 0)
                    goto error;
        }
        int keep = depth >= first;
        next.size = 0;
        for (size_t i = 0; i < count && !a.corrupt; i++) {
            const uint32_t *path = paths.items + i * length;
            uint32_t end = path[length - 1];
            if (ball.depth > left) {  /* every useful next entity is in toward */
                for (int32_t k = map_get(&ball.toward, end, -1); k >= 0; k = (int32_t)ball.toward_next.items[k]) {
                    uint32_t node = ball.toward_node.items[k];
                    if (interrupted(&ticks))
                        goto error;
                    if (node == goal) {
                        if (keep && emit(out, &a, &names, path, length, node) < 0)
                            goto error;
                        found += keep;
                    } else if (map_get(&ball.distance, node, FAR) <= left && !on_path(path, length, node)) {
                        if (extend(&next, path, length, node, most, &capped) < 0)
                            goto nomemory;
                    }
                }
            } else if (left == 0) {
                if (interrupted(&ticks))
                    goto error;
                if (has_edge(&a, end, goal)) {
                    if (keep && emit(out, &a, &names, path, length, goal) < 0)
                        goto error;
                    found += keep;
                }
            } else {
                int known = ball.depth == left;  /* an entity not in the ball is too far away */
                uint32_t width_end;
                const uint32_t *after = row(&a, a.succ_offsets, a.succ, end, &width_end);
                for (uint32_t j = 0; j < width_end; j++) {
                    uint32_t node = after[j];
                    if (interrupted(&ticks))
                        goto error;
                    if (node >= a.n) {
                        a.corrupt = 1;
                        break;
                    }
                    if (node == goal) {
                        if (keep && emit(out, &a, &names, path, length, node) < 0)
                            goto error;
                        found += keep;
                    } else if (on_path(path, length, node)) {
                        continue;
                    } else if (known ? map_get(&ball.distance, node, FAR) <= left
                                     : width(&a, a.succ_offsets, node) > 0) {
                        if (extend(&next, path, length, node, most, &capped) < 0)
                            goto nomemory;
                    }
                }
            }
        }
        if (a.corrupt)
            break;
        Vec swap = paths;
        paths = next;
        next = swap;
        if (found > 0) {  /* the routes of this length: the caller asks again for longer ones */
            following = capped ? -1 : (paths.size && depth < max_length ? depth + 1 : 0);
            break;
        }
        if (capped || paths.size == 0)
            break;
    }
    if (a.corrupt) {
        damaged();
        goto error;
    }
    if (capped && found == 0) {
        Py_INCREF(Py_None);
        result = Py_None;
    } else {
        result = Py_BuildValue("(Oi)", out, following);
    }
    goto done;
nomemory:
    PyErr_NoMemory();
error:
    result = NULL;
done:
    Py_XDECREF(out);
    Py_XDECREF(names.decoded);
    PyMem_Free(names.at.keys);
    PyMem_Free(names.at.values);
    PyMem_Free(paths.items);
    PyMem_Free(next.items);
    PyMem_Free(ball.frontier.items);
    PyMem_Free(ball.toward_node.items);
    PyMem_Free(ball.toward_next.items);
    PyMem_Free(ball.distance.keys);
    PyMem_Free(ball.distance.values);
    PyMem_Free(ball.toward.keys);
    PyMem_Free(ball.toward.values);
    PyBuffer_Release(&a.view);
    return result;
}

PyDoc_STRVAR(number_doc,
"number(adjacency, id)\n--\n\nThe number of the entity with this id, or -1 if there is none.");

static PyObject *number(PyObject *module, PyObject *args) {
    PyObject *source, *key;
    Adjacency a;
    if (!PyArg_ParseTuple(args, "OU:number", &source, &key))
        return NULL;
    if (adjacency_open(source, &a) < 0)
        return NULL;
    long found = find_id(&a, key);
    PyBuffer_Release(&a.view);
    if (found < -1)
        return NULL;
    if (a.corrupt) {
        damaged();
        return NULL;
    }
    return PyLong_FromLong(found);
}

static PyMethodDef methods[] = {
    {"routes", routes, METH_VARARGS, routes_doc},
    {"number", number, METH_VARARGS, number_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "graph.pathways._search",
    "The route search of graph.pathways.paths, compiled, over a build's adjacency file.", -1, methods,
};

/* What graph.pathways.numbered expects of this module: a build of an older source (a checkout
 * updated without reinstalling) is then not used, rather than called the wrong way. */
#define API 2

PyMODINIT_FUNC PyInit__search(void) {
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddIntConstant(m, "API", API) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
