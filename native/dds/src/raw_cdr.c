/*
 * Raw-CDR sertype/serdata for Cyclone DDS 0.10 (see raw_cdr.h). Written against the ddsi_sertype_ops and
 * ddsi_serdata_ops tables of Cyclone's public headers: Cyclone has no built-in "opaque bytes" type, and
 * its generated (idlc) types would make Cyclone the serializer instead of our TypeScript codecs.
 *
 * ROS 2 topics are keyless, so every sample belongs to the one instance of its topic: key comparisons are
 * always equal and key hashes are zero.
 */
#include "raw_cdr.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dds/dds.h"
#include "dds/ddsi/ddsi_serdata.h"
#include "dds/ddsi/ddsi_sertype.h"
#include "dds/ddsi/q_radmin.h"
#include "dds/ddsrt/heap.h"

struct raw_serdata {
  struct ddsi_serdata c;
  uint32_t size;
  size_t capacity; /* payload bytes the allocation has room for (>= size when reused from the pool) */
  /* The serialized bytes follow the struct in the same allocation. */
};

static uint8_t *payload(const struct raw_serdata *d) {
  return (uint8_t *)(d + 1);
}

/*
 * Camera frames are large (a 12 MP rgb8 image is 36 MB) and of constant size. malloc serves such sizes
 * with fresh mmap()ed pages, so every frame, sent or received, would pay for page faults and kernel
 * zeroing of its whole size, and munmap() on release. A small pool keeps a few released large blocks for
 * the next sample of similar size instead; what it may hold is bounded.
 */
#define POOL_MIN_BLOCK ((size_t)1 << 20)
#define POOL_SLOTS 6
#define POOL_MAX_BYTES ((size_t)256 << 20)

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct raw_serdata *pool[POOL_SLOTS];
static size_t pool_bytes;

static struct raw_serdata *block_alloc(size_t size) {
  if (size >= POOL_MIN_BLOCK) {
    struct raw_serdata *best = NULL;
    int best_slot = -1;
    pthread_mutex_lock(&pool_lock);
    for (int i = 0; i < POOL_SLOTS; i++) {
      /* a block that fits without wasting more than half of itself */
      if (pool[i] && pool[i]->capacity >= size && pool[i]->capacity / 2 <= size &&
          (best == NULL || pool[i]->capacity < best->capacity)) {
        best = pool[i];
        best_slot = i;
      }
    }
    if (best) {
      pool[best_slot] = NULL;
      pool_bytes -= best->capacity;
    }
    pthread_mutex_unlock(&pool_lock);
    if (best) return best;
  }
  struct raw_serdata *d = ddsrt_malloc_s(sizeof(*d) + size);
  if (d) d->capacity = size;
  return d;
}

static void block_free(struct raw_serdata *d) {
  if (d->capacity >= POOL_MIN_BLOCK) {
    pthread_mutex_lock(&pool_lock);
    for (int i = 0; i < POOL_SLOTS; i++) {
      if (pool[i] == NULL && pool_bytes + d->capacity <= POOL_MAX_BYTES) {
        pool[i] = d;
        pool_bytes += d->capacity;
        d = NULL;
        break;
      }
    }
    pthread_mutex_unlock(&pool_lock);
  }
  ddsrt_free(d); /* NULL when pooled */
}

static struct raw_serdata *serdata_new(const struct ddsi_sertype *type, enum ddsi_serdata_kind kind, size_t size) {
  if (size > UINT32_MAX) return NULL; /* RTPS cannot carry larger samples */
  struct raw_serdata *d = block_alloc(size);
  if (d == NULL) return NULL;
  ddsi_serdata_init(&d->c, type, kind);
  d->c.hash = type->serdata_basehash;
  d->size = (uint32_t)size;
  return d;
}

static bool serdata_eqkey(const struct ddsi_serdata *a, const struct ddsi_serdata *b) {
  (void)a;
  (void)b;
  return true;
}

static uint32_t serdata_size(const struct ddsi_serdata *dcmn) {
  return ((const struct raw_serdata *)dcmn)->size;
}

/* Reassembles a received sample: DDSI hands over the fragments as a chain of byte ranges that may overlap
   (a retransmit can cover a range already received), so copy only what extends the prefix so far. */
static struct ddsi_serdata *serdata_from_ser(const struct ddsi_sertype *type, enum ddsi_serdata_kind kind,
                                             const struct nn_rdata *fragchain, size_t size) {
  struct raw_serdata *d = serdata_new(type, kind, size);
  if (d == NULL) return NULL;
  uint8_t *dst = payload(d);
  uint32_t off = 0;
  for (; fragchain != NULL; fragchain = fragchain->nextfrag) {
    if (fragchain->maxp1 <= off) continue;
    if (fragchain->min > off || fragchain->maxp1 > size) { /* a gap or overrun: not a complete sample */
      block_free(d);
      return NULL;
    }
    const uint8_t *src = NN_RMSG_PAYLOADOFF(fragchain->rmsg, NN_RDATA_PAYLOAD_OFF(fragchain));
    memcpy(dst + off, src + (off - fragchain->min), fragchain->maxp1 - off);
    off = fragchain->maxp1;
  }
  if (off != size) {
    block_free(d);
    return NULL;
  }
  return &d->c;
}

static struct ddsi_serdata *serdata_from_ser_iov(const struct ddsi_sertype *type, enum ddsi_serdata_kind kind,
                                                 ddsrt_msg_iovlen_t niov, const ddsrt_iovec_t *iov, size_t size) {
  struct raw_serdata *d = serdata_new(type, kind, size);
  if (d == NULL) return NULL;
  size_t off = 0;
  for (ddsrt_msg_iovlen_t i = 0; i < niov && off < size; i++) {
    size_t n = iov[i].iov_len < size - off ? iov[i].iov_len : size - off;
    memcpy(payload(d) + off, iov[i].iov_base, n);
    off += n;
  }
  return &d->c;
}

static struct ddsi_serdata *serdata_from_keyhash(const struct ddsi_sertype *type, const struct ddsi_keyhash *keyhash) {
  (void)keyhash;
  struct raw_serdata *d = serdata_new(type, SDK_KEY, 0);
  return d ? &d->c : NULL;
}

static struct ddsi_serdata *serdata_from_sample(const struct ddsi_sertype *type, enum ddsi_serdata_kind kind,
                                                const void *sample) {
  const struct raw_cdr_sample *s = sample;
  size_t size = kind == SDK_DATA ? s->size : 0;
  struct raw_serdata *d = serdata_new(type, kind, size);
  if (d == NULL) return NULL;
  if (size > 0) memcpy(payload(d), s->data, size);
  return &d->c;
}

static void serdata_to_ser(const struct ddsi_serdata *dcmn, size_t off, size_t sz, void *buf) {
  memcpy(buf, payload((const struct raw_serdata *)dcmn) + off, sz);
}

static struct ddsi_serdata *serdata_to_ser_ref(const struct ddsi_serdata *dcmn, size_t off, size_t sz,
                                               ddsrt_iovec_t *ref) {
  ref->iov_base = payload((const struct raw_serdata *)dcmn) + off;
  ref->iov_len = (ddsrt_iov_len_t)sz;
  return ddsi_serdata_ref(dcmn);
}

static void serdata_to_ser_unref(struct ddsi_serdata *dcmn, const ddsrt_iovec_t *ref) {
  (void)ref;
  ddsi_serdata_unref(dcmn);
}

/* Typed reads (dds_read/dds_take) are not offered for this type: the addon reads with dds_takecdr, which
   hands over the serdata itself. Refusing here makes a typed read fail instead of returning garbage. */
static bool serdata_to_sample(const struct ddsi_serdata *dcmn, void *sample, void **bufptr, void *buflim) {
  (void)dcmn;
  (void)sample;
  (void)bufptr;
  (void)buflim;
  return false;
}

/* The instance key of a keyless sample: empty, with no type attached (Cyclone's "untyped" convention). */
static struct ddsi_serdata *serdata_to_untyped(const struct ddsi_serdata *dcmn) {
  struct raw_serdata *d = serdata_new(dcmn->type, SDK_KEY, 0);
  if (d == NULL) return NULL;
  d->c.type = NULL;
  d->c.hash = dcmn->hash;
  return &d->c;
}

static bool serdata_untyped_to_sample(const struct ddsi_sertype *type, const struct ddsi_serdata *d, void *sample,
                                      void **bufptr, void *buflim) {
  (void)type;
  (void)d;
  (void)bufptr;
  (void)buflim;
  struct raw_cdr_sample *s = sample;
  s->data = NULL;
  s->size = 0;
  return true;
}

static void serdata_free(struct ddsi_serdata *dcmn) {
  block_free((struct raw_serdata *)dcmn);
}

static size_t serdata_print(const struct ddsi_sertype *type, const struct ddsi_serdata *dcmn, char *buf,
                            size_t size) {
  (void)type;
  return (size_t)snprintf(buf, size, "(raw CDR, %u bytes)", serdata_size(dcmn));
}

static void serdata_get_keyhash(const struct ddsi_serdata *d, struct ddsi_keyhash *buf, bool force_md5) {
  (void)d;
  (void)force_md5;
  memset(buf->value, 0, sizeof(buf->value));
}

static const struct ddsi_serdata_ops raw_serdata_ops = {
    .eqkey = serdata_eqkey,
    .get_size = serdata_size,
    .from_ser = serdata_from_ser,
    .from_ser_iov = serdata_from_ser_iov,
    .from_keyhash = serdata_from_keyhash,
    .from_sample = serdata_from_sample,
    .to_ser = serdata_to_ser,
    .to_ser_ref = serdata_to_ser_ref,
    .to_ser_unref = serdata_to_ser_unref,
    .to_sample = serdata_to_sample,
    .to_untyped = serdata_to_untyped,
    .untyped_to_sample = serdata_untyped_to_sample,
    .free = serdata_free,
    .print = serdata_print,
    .get_keyhash = serdata_get_keyhash,
    /* get_sample_size / from_iox_buffer stay NULL: no shared-memory (iceoryx) delivery for this type */
};

static void sertype_free(struct ddsi_sertype *tp) {
  ddsi_sertype_fini(tp);
  ddsrt_free(tp);
}

static void sertype_zero_samples(const struct ddsi_sertype *d, void *samples, size_t count) {
  (void)d;
  memset(samples, 0, count * sizeof(struct raw_cdr_sample));
}

static void sertype_realloc_samples(void **ptrs, const struct ddsi_sertype *d, void *old, size_t oldcount,
                                    size_t count) {
  (void)d;
  struct raw_cdr_sample *samples = ddsrt_realloc(old, count * sizeof(*samples));
  if (count > oldcount) memset(samples + oldcount, 0, (count - oldcount) * sizeof(*samples));
  for (size_t i = 0; i < count; i++) ptrs[i] = &samples[i];
}

/* Samples never own memory (to_sample does not fill them), so only the array itself may need freeing. */
static void sertype_free_samples(const struct ddsi_sertype *d, void **ptrs, size_t count, dds_free_op_t op) {
  (void)d;
  if (count > 0 && (op & DDS_FREE_ALL_BIT)) ddsrt_free(ptrs[0]);
}

/* Cyclone has already compared name, keyless flag and ops; this type has no further state. */
static bool sertype_equal(const struct ddsi_sertype *a, const struct ddsi_sertype *b) {
  (void)a;
  (void)b;
  return true;
}

static uint32_t sertype_hash(const struct ddsi_sertype *tp) {
  (void)tp;
  return 0;
}

static size_t sertype_get_serialized_size(const struct ddsi_sertype *d, const void *sample) {
  (void)d;
  return ((const struct raw_cdr_sample *)sample)->size;
}

static bool sertype_serialize_into(const struct ddsi_sertype *d, const void *sample, void *dst_buffer,
                                   size_t dst_size) {
  (void)d;
  const struct raw_cdr_sample *s = sample;
  if (s->size > dst_size) return false;
  memcpy(dst_buffer, s->data, s->size);
  return true;
}

/* type_id/type_map/type_info are NULL: no XTypes type information is advertised, so remote endpoints
   match on the type name alone (XTypes 7.6.3.4.2) -- the same situation as a ROS 2 node on rmw_cyclonedds.
   derive_sertype is NULL: writers use this sertype for XCDR1 as it is. */
static const struct ddsi_sertype_ops raw_sertype_ops = {
    .version = ddsi_sertype_v0,
    .arg = NULL,
    .free = sertype_free,
    .zero_samples = sertype_zero_samples,
    .realloc_samples = sertype_realloc_samples,
    .free_samples = sertype_free_samples,
    .equal = sertype_equal,
    .hash = sertype_hash,
    .type_id = NULL,
    .type_map = NULL,
    .type_info = NULL,
    .derive_sertype = NULL,
    .get_serialized_size = sertype_get_serialized_size,
    .serialize_into = sertype_serialize_into,
};

struct ddsi_sertype *raw_cdr_sertype_new(const char *type_name) {
  struct ddsi_sertype *tp = ddsrt_malloc(sizeof(*tp));
  ddsi_sertype_init_flags(tp, type_name, &raw_sertype_ops, &raw_serdata_ops, DDSI_SERTYPE_FLAG_TOPICKIND_NO_KEY);
  /* ROS 2 speaks XCDR1 (plain CDR); our codecs write exactly that. */
  tp->allowed_data_representation = DDS_DATA_REPRESENTATION_FLAG_XCDR1;
  return tp;
}

void raw_cdr_serdata_bytes(const struct ddsi_serdata *serdata, const uint8_t **data, uint32_t *size) {
  const struct raw_serdata *d = (const struct raw_serdata *)serdata;
  *data = payload(d);
  *size = d->size;
}

void raw_cdr_sertype_discard(struct ddsi_sertype *sertype) {
  ddsi_sertype_unref(sertype);
}

void raw_cdr_serdata_release(struct ddsi_serdata *serdata) {
  ddsi_serdata_unref(serdata);
}
