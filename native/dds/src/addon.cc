// Node binding of Cyclone DDS for raw-CDR publish/subscribe. Entities are plain DDS handles (numbers) on
// the JS side; lib/transport/dds wraps them in the Transport interface. Everything ROS-specific (topic and
// type name mangling, QoS profiles) lives in TypeScript: this layer only maps calls onto the DDS C API.
#include <napi.h>

#include <atomic>
#include <set>
#include <string>

#include "dds/dds.h"
#include "dds/version.h"
#include "raw_cdr.h"

namespace {

// How long a reliable write may wait for acknowledgements (Cyclone throttles a writer whose unacknowledged
// data exceeds its high-water mark) before it fails with a timeout instead of stalling the event loop.
constexpr dds_duration_t kMaxBlockingTime = DDS_SECS(1);
// How many samples one take hands to JS at once.
constexpr uint32_t kTakeBatch = 32;

// The participants created by one Node environment (main thread or a worker), deleted at its teardown.
struct AddonState {
  std::set<dds_entity_t> participants;
};

AddonState* StateOf(const Napi::CallbackInfo& info) {
  return static_cast<AddonState*>(info.Data());
}

Napi::Error DdsError(Napi::Env env, const std::string& what, dds_return_t rc) {
  return Napi::Error::New(env, what + ": " + dds_strretcode(rc));
}

dds_entity_t EntityArg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a DDS entity handle");
  }
  return info[i].As<Napi::Number>().Int32Value();
}

std::string StringArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsString()) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a string");
  }
  return info[i].As<Napi::String>().Utf8Value();
}

// QoS from {reliable: boolean, depth: number, transientLocal: boolean}, as rmw_cyclonedds sets it for a
// ROS 2 keep-last profile.
dds_qos_t* QosArg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsObject()) throw Napi::TypeError::New(info.Env(), "qos must be an object");
  Napi::Object o = info[i].As<Napi::Object>();
  Napi::Value depth = o.Get("depth");
  if (!depth.IsNumber() || depth.As<Napi::Number>().Int32Value() < 1) {
    throw Napi::TypeError::New(info.Env(), "qos.depth must be a positive integer");
  }
  dds_qos_t* qos = dds_create_qos();
  if (o.Get("reliable").ToBoolean()) {
    dds_qset_reliability(qos, DDS_RELIABILITY_RELIABLE, kMaxBlockingTime);
  } else {
    dds_qset_reliability(qos, DDS_RELIABILITY_BEST_EFFORT, 0);
  }
  dds_qset_history(qos, DDS_HISTORY_KEEP_LAST, depth.As<Napi::Number>().Int32Value());
  dds_qset_durability(qos, o.Get("transientLocal").ToBoolean() ? DDS_DURABILITY_TRANSIENT_LOCAL
                                                                  : DDS_DURABILITY_VOLATILE);
  // ROS 2 topics are keyless; a writer going away should not dispose the (single) instance.
  dds_qset_writer_data_lifecycle(qos, false);
  return qos;
}

// The topic for (name, type) in this participant: Cyclone returns the existing topic entity's sertype when
// one with the same name and type already exists, and fails if the name is taken by another type.
dds_entity_t CreateTopic(Napi::Env env, dds_entity_t participant, const std::string& name, const std::string& type) {
  struct ddsi_sertype* sertype = raw_cdr_sertype_new(type.c_str());
  dds_entity_t topic = dds_create_topic_sertype(participant, name.c_str(), &sertype, nullptr, nullptr, nullptr);
  if (topic < 0) {
    raw_cdr_sertype_discard(sertype);
    throw DdsError(env, "cannot create DDS topic " + name + " of type " + type, topic);
  }
  return topic;
}

Napi::Value CreateParticipant(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "domain id must be a number");
  uint32_t domain = info[0].As<Napi::Number>().Uint32Value();
  dds_qos_t* qos = dds_create_qos();
  if (info.Length() > 1 && info[1].IsString()) {
    dds_qset_entity_name(qos, info[1].As<Napi::String>().Utf8Value().c_str());
  }
  dds_entity_t participant = dds_create_participant(domain, qos, nullptr);
  dds_delete_qos(qos);
  if (participant < 0) {
    throw DdsError(env, "cannot create a DDS participant on domain " + std::to_string(domain), participant);
  }
  StateOf(info)->participants.insert(participant);
  return Napi::Number::New(env, participant);
}

Napi::Value DeleteParticipant(const Napi::CallbackInfo& info) {
  dds_entity_t participant = EntityArg(info, 0);
  if (StateOf(info)->participants.erase(participant) == 0) return info.Env().Undefined();
  // Deletes every topic, writer and reader of the participant too; waits for running listeners.
  dds_delete(participant);
  return info.Env().Undefined();
}

// A DDS writer with the topic entity created for it; closing deletes both, so repeated create/close leaves
// nothing behind in the participant.
class Writer : public Napi::ObjectWrap<Writer> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Writer",
                       {InstanceMethod("write", &Writer::Write), InstanceMethod("close", &Writer::Close),
                        InstanceMethod("matched", &Writer::Matched)});
  }

  // new Writer(participant, topic, type, qos)
  explicit Writer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Writer>(info) {
    Napi::Env env = info.Env();
    dds_entity_t participant = EntityArg(info, 0);
    name_ = StringArg(info, 1, "topic");
    std::string type = StringArg(info, 2, "type");
    dds_qos_t* qos = QosArg(info, 3);
    try {
      topic_ = CreateTopic(env, participant, name_, type);
    } catch (...) {
      dds_delete_qos(qos);
      throw;
    }
    writer_ = dds_create_writer(participant, topic_, qos, nullptr);
    dds_delete_qos(qos);
    if (writer_ < 0) {
      dds_return_t rc = writer_;
      writer_ = 0;
      dds_delete(topic_);
      throw DdsError(env, "cannot create a DDS writer on " + name_, rc);
    }
  }

  ~Writer() override { CloseEntities(); }

 private:
  Napi::Value Write(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (writer_ == 0) throw Napi::Error::New(env, "the DDS writer on " + name_ + " is closed");
    if (info.Length() < 1 || !info[0].IsTypedArray()) throw Napi::TypeError::New(env, "data must be a Uint8Array");
    Napi::Uint8Array data = info[0].As<Napi::Uint8Array>();
    raw_cdr_sample sample{data.Data(), data.ByteLength()};
    dds_return_t rc = dds_write(writer_, &sample);
    if (rc < 0) throw DdsError(env, "DDS write on " + name_ + " failed", rc);
    return env.Undefined();
  }

  Napi::Value Matched(const Napi::CallbackInfo& info) {
    dds_publication_matched_status_t status;
    if (writer_ == 0 || dds_get_publication_matched_status(writer_, &status) < 0) {
      return Napi::Number::New(info.Env(), 0);
    }
    return Napi::Number::New(info.Env(), status.current_count);
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    CloseEntities();
    return info.Env().Undefined();
  }

  // Deleting an entity of a participant that is already gone is a harmless error, hence no checks.
  void CloseEntities() {
    if (writer_ != 0) dds_delete(writer_);
    if (topic_ != 0) dds_delete(topic_);
    writer_ = topic_ = 0;
  }

  std::string name_;
  dds_entity_t topic_ = 0;
  dds_entity_t writer_ = 0;
};

// A reader hands samples to JS without blocking either side: Cyclone's receive thread only posts a wake-up
// (at most one outstanding), and the JS thread takes whatever the reader's history holds. Samples
// therefore wait in the reader's own keep-last history, so a JS thread that falls behind loses the oldest
// samples exactly as the QoS depth says, instead of queueing without bound.
struct ReaderState {
  dds_entity_t topic = 0;
  dds_entity_t reader = 0;
  Napi::ThreadSafeFunction tsfn;
  std::atomic<bool> wakeup_pending{false};
  bool closed = false;
};

void DeliverToJs(Napi::Env env, Napi::Function callback, ReaderState* state) {
  state->wakeup_pending.store(false);
  if (state->closed || env == nullptr) return;
  for (;;) {
    struct ddsi_serdata* samples[kTakeBatch];
    dds_sample_info_t infos[kTakeBatch];
    dds_return_t n = dds_takecdr(state->reader, samples, kTakeBatch, infos, DDS_ANY_STATE);
    if (n <= 0) return;
    Napi::Array batch = Napi::Array::New(env);
    uint32_t count = 0;
    for (dds_return_t i = 0; i < n; i++) {
      if (!infos[i].valid_data) {  // an instance-state change (e.g. the last writer left), not a message
        raw_cdr_serdata_release(samples[i]);
        continue;
      }
      const uint8_t* bytes;
      uint32_t size;
      raw_cdr_serdata_bytes(samples[i], &bytes, &size);
      // Zero-copy: the Buffer views the reassembled sample and releases it when garbage-collected. The
      // garbage collector is told about the memory, else camera frames pile up outside its accounting.
      Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(size));
      batch.Set(count++, Napi::Buffer<uint8_t>::New(env, const_cast<uint8_t*>(bytes), size,
                                                    [size](Napi::Env fenv, uint8_t*, struct ddsi_serdata* serdata) {
                                                      raw_cdr_serdata_release(serdata);
                                                      Napi::MemoryManagement::AdjustExternalMemory(
                                                          fenv, -static_cast<int64_t>(size));
                                                    },
                                                    samples[i]));
    }
    if (count > 0) callback.Call({batch});
    if (state->closed || static_cast<uint32_t>(n) < kTakeBatch) return;
  }
}

void OnDataAvailable(dds_entity_t, void* arg) {
  auto* state = static_cast<ReaderState*>(arg);
  if (!state->wakeup_pending.exchange(true)) {
    state->tsfn.NonBlockingCall(state, DeliverToJs);
  }
}

// Runs on the JS thread once the thread-safe function is released (reader closed) or torn down with the
// environment. Deleting the reader first (a no-op when already deleted) guarantees no listener still runs.
void FinalizeReader(Napi::Env, void*, ReaderState* state) {
  if (state->reader != 0) dds_delete(state->reader);
  if (state->topic != 0) dds_delete(state->topic);
  delete state;
}

class Reader : public Napi::ObjectWrap<Reader> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Reader",
                       {InstanceMethod("close", &Reader::Close)});
  }

  // new Reader(participant, topic, type, qos, onSamples)
  explicit Reader(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Reader>(info) {
    Napi::Env env = info.Env();
    dds_entity_t participant = EntityArg(info, 0);
    std::string name = StringArg(info, 1, "topic");
    std::string type = StringArg(info, 2, "type");
    if (info.Length() < 5 || !info[4].IsFunction()) throw Napi::TypeError::New(env, "onSamples must be a function");
    dds_qos_t* qos = QosArg(info, 3);
    dds_entity_t topic;
    try {
      topic = CreateTopic(env, participant, name, type);
    } catch (...) {
      dds_delete_qos(qos);
      throw;
    }
    state_ = new ReaderState();
    state_->topic = topic;
    state_->tsfn = Napi::ThreadSafeFunction::New(env, info[4].As<Napi::Function>(), "dds-reader " + name, 0, 1,
                                                 state_, FinalizeReader, static_cast<void*>(nullptr));
    dds_listener_t* listener = dds_create_listener(nullptr);
    dds_lset_data_available_arg(listener, OnDataAvailable, state_, true);
    state_->reader = dds_create_reader(participant, topic, qos, listener);
    dds_delete_listener(listener);
    dds_delete_qos(qos);
    if (state_->reader < 0) {
      dds_return_t rc = state_->reader;
      state_->closed = true;
      state_->reader = 0;
      state_->tsfn.Release();
      state_ = nullptr;
      throw DdsError(env, "cannot create a DDS reader on " + name, rc);
    }
  }

  ~Reader() override { CloseState(); }

 private:
  Napi::Value Close(const Napi::CallbackInfo& info) {
    CloseState();
    return info.Env().Undefined();
  }

  void CloseState() {
    if (state_ == nullptr) return;
    state_->closed = true;
    dds_delete(state_->reader);  // waits for a listener that is running; none runs after this
    state_->reader = 0;
    dds_delete(state_->topic);
    state_->topic = 0;
    state_->tsfn.Release();  // the finalizer frees the state after queued wake-ups have run
    state_ = nullptr;
  }





  ReaderState* state_ = nullptr;
};

// Endpoints known to the participant through DDS discovery (its own included), from the built-in
// DCPSPublication / DCPSSubscription topics: [{topic, type, kind: "publication" | "subscription"}].
void ReadEndpoints(Napi::Env env, dds_entity_t participant, dds_entity_t builtin, const char* kind,
                   Napi::Array& out) {
  dds_entity_t reader = dds_create_reader(participant, builtin, nullptr, nullptr);
  if (reader < 0) throw DdsError(env, "cannot read DDS discovery data", reader);
  for (;;) {
    void* samples[64] = {nullptr};
    dds_sample_info_t infos[64];
    dds_return_t n = dds_take(reader, samples, infos, 64, 64);
    if (n <= 0) break;
    for (dds_return_t i = 0; i < n; i++) {
      if (!infos[i].valid_data || infos[i].instance_state != DDS_IST_ALIVE) continue;
      auto* ep = static_cast<dds_builtintopic_endpoint_t*>(samples[i]);
      Napi::Object o = Napi::Object::New(env);
      o.Set("topic", ep->topic_name ? ep->topic_name : "");
      o.Set("type", ep->type_name ? ep->type_name : "");
      o.Set("kind", kind);
      out.Set(out.Length(), o);
    }
    dds_return_loan(reader, samples, n);
  }
  dds_delete(reader);
}

Napi::Value Endpoints(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  dds_entity_t participant = EntityArg(info, 0);
  Napi::Array out = Napi::Array::New(env);
  ReadEndpoints(env, participant, DDS_BUILTIN_TOPIC_DCPSPUBLICATION, "publication", out);
  ReadEndpoints(env, participant, DDS_BUILTIN_TOPIC_DCPSSUBSCRIPTION, "subscription", out);
  return out;
}

// At environment teardown (process exit, worker exit) delete what JS did not close, so peers see the
// participant leave instead of waiting for its lease to expire.
void Cleanup(void* arg) {
  auto* state = static_cast<AddonState*>(arg);
  for (dds_entity_t p : state->participants) dds_delete(p);
  delete state;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* state = new AddonState();
  napi_add_env_cleanup_hook(env, Cleanup, state);
  exports.Set("createParticipant", Napi::Function::New(env, CreateParticipant, "createParticipant", state));
  exports.Set("deleteParticipant", Napi::Function::New(env, DeleteParticipant, "deleteParticipant", state));
  exports.Set("endpoints", Napi::Function::New(env, Endpoints));
  exports.Set("Writer", Writer::Define(env));
  exports.Set("Reader", Reader::Define(env));
  exports.Set("version", Napi::String::New(env, DDS_VERSION));
  return exports;
}

}  // namespace

NODE_API_MODULE(process_reward_dds, Init)
