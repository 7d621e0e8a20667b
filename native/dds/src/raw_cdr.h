/*
 * A Cyclone DDS sertype whose samples are opaque serialized CDR: the bytes a ROS 2 node puts on the wire,
 * 4-byte encapsulation header included. Serialization happens in TypeScript (lib/codec); this type only
 * moves those bytes in and out of Cyclone, so there is exactly one serializer in the project.
 */
#ifndef PROCESS_REWARD_RAW_CDR_H
#define PROCESS_REWARD_RAW_CDR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ddsi_sertype;
struct ddsi_serdata;

/* What dds_write takes for this type: one serialized sample, copied into a serdata by the write. */
struct raw_cdr_sample {
  const void *data;
  size_t size;
};

/* A keyless sertype named `type_name` (the DDS type name, e.g. sensor_msgs::msg::dds_::Image_), XCDR1 only. */
struct ddsi_sertype *raw_cdr_sertype_new(const char *type_name);

/* Drops a sertype that dds_create_topic_sertype did not take over (it failed). */
void raw_cdr_sertype_discard(struct ddsi_sertype *sertype);

/* Releases a reference to a serdata (as returned by dds_takecdr). */
void raw_cdr_serdata_release(struct ddsi_serdata *serdata);

/* The serialized bytes held by a serdata of this sertype (as returned by dds_takecdr). */
void raw_cdr_serdata_bytes(const struct ddsi_serdata *serdata, const uint8_t **data, uint32_t *size);

#ifdef __cplusplus
}
#endif

#endif
