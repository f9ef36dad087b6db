#include "p2pgrid/trace/hdf5_trace_sink.hpp"

#include <hdf5.h>
#include <mpi.h>

#include <algorithm>
#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/serialization/string.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <utility>

namespace p2pgrid {
namespace {

/// Owns one HDF5 identifier and closes it with the matching H5?close.
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*closer)(hid_t)) : id_(id), closer_(closer) {}
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), closer_(o.closer_) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
      closer_ = o.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  [[nodiscard]] hid_t get() const { return id_; }
  [[nodiscard]] bool valid() const { return id_ >= 0; }
  void reset() {
    if (id_ >= 0 && closer_ != nullptr) closer_(id_);
    id_ = H5I_INVALID_HID;
  }
  /// Forgets the id without closing it (see ~Hdf5TraceSink).
  void release() { id_ = H5I_INVALID_HID; }

 private:
  hid_t id_ = H5I_INVALID_HID;
  herr_t (*closer_)(hid_t) = nullptr;
};

hid_t native_type(FieldType t) {
  switch (t) {
    case FieldType::kI64: return H5T_NATIVE_INT64;
    case FieldType::kU64: return H5T_NATIVE_UINT64;
    case FieldType::kI32: return H5T_NATIVE_INT32;
    case FieldType::kU32: return H5T_NATIVE_UINT32;
    case FieldType::kU8: return H5T_NATIVE_UINT8;
    case FieldType::kF64: return H5T_NATIVE_DOUBLE;
  }
  return H5I_INVALID_HID;
}

std::string to_text(std::string_view s) { return std::string(s); }

/// Variable-length UTF-8: h5py reads these as str (fixed-length ones come
/// back as bytes), and every HDF5 reader handles them.
Handle utf8_string_type() {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  return type;
}

}  // namespace

class Hdf5TraceSink::Impl {
 public:
  struct Table {
    const TableDesc* desc = nullptr;
    std::string name;
    bool recorded = true;
    Handle type;
    Handle dataset;
    std::vector<std::byte> buffer;
    std::uint64_t in_file = 0;
    std::uint64_t block_start = 0;  ///< this rank's rows of the last flush that wrote the table
    std::uint64_t block_rows = 0;
  };

  Impl(const std::string& path, std::span<const TableDesc* const> tables, TraceOptions options,
       const boost::mpi::communicator& comm)
      : path_(path), options_(std::move(options)), comm_(comm) {
    // Our own messages name the file and the reason; HDF5's stack dump
    // would only repeat them, once per rank.
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    check_tables(tables);
    open_file();
    for (Table& t : tables_) create_dataset(t);
    write_int_attribute("schema_version", kTraceSchemaVersion);
    start_writing();
  }

  /// Continues an existing trace (a resumed run).
  Impl(const std::string& path, std::span<const TableDesc* const> tables, TraceOptions options,
       const boost::mpi::communicator& comm, const TraceContinuation& from)
      : path_(path), options_(std::move(options)), comm_(comm) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    check_tables(tables);
    // Rank 0 checks with a read-only open, so a file that is refused is
    // never opened for writing.
    std::string problem;
    if (comm_.rank() == 0) problem = continuation_problem(from);
    boost::mpi::broadcast(comm_, problem, 0);
    if (!problem.empty()) throw TraceError("trace file '" + path_ + "': " + problem + "; the file is left unchanged");
    open_file(H5F_ACC_RDWR);
    for (Table& t : tables_) {
      build_type(t);
      t.dataset = Handle(H5Dopen2(file_.get(), t.name.c_str(), H5P_DEFAULT), H5Dclose);
      if (!t.dataset.valid()) fail("open dataset " + t.name);
      const hsize_t keep = kept_rows(from, t.name);
      if (H5Dset_extent(t.dataset.get(), &keep) < 0) fail("set the extent of " + t.name);
      t.in_file = keep;
    }
    start_writing();
  }

  /// Both constructors end here: the file is open and incomplete until
  /// close(), and row writes are collective.
  void start_writing() {
    write_int_attribute("complete", 0);
    transfer_ = Handle(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
    H5Pset_dxpl_mpio(transfer_.get(), H5FD_MPIO_COLLECTIVE);
    flush_file();
    log_flush();
    last_flush_ = std::chrono::steady_clock::now();
  }

  ~Impl() {
    if (!open_) return;
    // Closing an HDF5 file opened with MPI-IO is collective. A sink destroyed
    // without close() is a run that failed, usually on one rank only (the
    // others are blocked in the engine), so a collective close here would
    // hang: the handles are left to the process's end (main aborts), and the
    // file keeps complete = 0 and the rows of its last flush.
    for (Table& t : tables_) t.dataset.release();
    file_.release();
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void append(const TableDesc& desc, const void* row) {
    Table& t = find(desc);
    if (!t.recorded) {
      ++stats_.rows_dropped;
      return;
    }
    const auto* p = static_cast<const std::byte*>(row);
    t.buffer.insert(t.buffer.end(), p, p + desc.row_size);
    buffered_ += desc.row_size;
    ++stats_.rows_appended;
  }

  [[nodiscard]] bool enabled(const TableDesc& desc) const {
    for (const Table& t : tables_) {
      if (t.desc == &desc || t.name == desc.name) return t.recorded;
    }
    return false;
  }

  [[nodiscard]] std::uint64_t buffered_bytes() const {
    std::uint64_t bytes = 0;
    for (const auto& t : tables_) bytes += t.buffer.capacity();
    return bytes;
  }

  [[nodiscard]] bool wants_flush() const {
    // The wall clock decides only when rows reach the disk, never what they
    // contain: the trace stays a function of the scenario.
    return buffered_ >= options_.buffer_bytes ||
           std::chrono::steady_clock::now() - last_flush_ >= options_.flush_interval;
  }

  void flush() {
    require_open("flush");
    const int n = static_cast<int>(tables_.size());
    std::vector<unsigned long long> counts(tables_.size());
    std::vector<unsigned long long> offsets(tables_.size(), 0);
    std::vector<unsigned long long> totals(tables_.size(), 0);
    for (std::size_t i = 0; i < tables_.size(); ++i) counts[i] = tables_[i].buffer.size() / tables_[i].desc->row_size;
    MPI_Comm comm = comm_;
    MPI_Exscan(counts.data(), offsets.data(), n, MPI_UNSIGNED_LONG_LONG, MPI_SUM, comm);
    if (comm_.rank() == 0) std::fill(offsets.begin(), offsets.end(), 0ULL);  // Exscan leaves rank 0 undefined
    MPI_Allreduce(counts.data(), totals.data(), n, MPI_UNSIGNED_LONG_LONG, MPI_SUM, comm);
    for (std::size_t i = 0; i < tables_.size(); ++i) {
      if (totals[i] > 0) write_block(tables_[i], counts[i], offsets[i], totals[i]);
      // A buffer keeps its capacity (no allocation in steady state) unless a
      // burst grew it past the flush size: the nodes table at the start.
      if (tables_[i].buffer.capacity() > options_.buffer_bytes) {
        std::vector<std::byte>().swap(tables_[i].buffer);
      } else {
        tables_[i].buffer.clear();
      }
    }
    buffered_ = 0;
    flush_file();
    ++stats_.flushes;
    log_flush();
    last_flush_ = std::chrono::steady_clock::now();
  }

  void set_attribute(std::string_view name, std::string_view value) {
    require_open("set attribute");
    // Old-format object headers hold at most 64 KiB of attributes.
    constexpr std::size_t kMaxAttribute = std::size_t{48} * 1024;
    if (value.size() > kMaxAttribute) {
      throw TraceError("trace file '" + path_ + "': attribute '" + to_text(name) + "' is " +
                       std::to_string(value.size()) + " bytes; at most " + std::to_string(kMaxAttribute) +
                       " fit in the root group's header");
    }
    const std::string key(name);
    if (H5Aexists(file_.get(), key.c_str()) > 0) H5Adelete(file_.get(), key.c_str());
    write_string_attribute_on(file_.get(), name, value);
  }

  void write_int_attribute(std::string_view name, std::int64_t value) {
    require_open("set attribute");
    write_int_attribute_on(file_.get(), name, value);
  }

  void close(bool complete = true) {
    require_open("close");
    flush();
    if (complete) write_int_attribute("complete", 1);
    for (Table& t : tables_) t.dataset.reset();
    if (H5Fclose(file_.get()) < 0) {
      file_.release();
      open_ = false;
      fail("close");
    }
    file_.release();
    open_ = false;
  }

  [[nodiscard]] std::uint64_t rows_in_file(const TableDesc& desc) const {
    for (const Table& t : tables_) {
      if (t.desc == &desc || t.name == desc.name) return t.in_file;
    }
    return 0;
  }

  [[nodiscard]] const TraceWriterStats& stats() const { return stats_; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw TraceError("trace file '" + path_ + "': HDF5 failed to " + what);
  }

  void require_open(const char* what) const {
    if (!open_) throw TraceError("trace file '" + path_ + "': cannot " + what + " after close");
  }

  void check_tables(std::span<const TableDesc* const> tables) {
    for (const TableDesc* d : tables) {
      for (const FieldDesc& f : d->fields) {
        if (!f.members.empty() && f.type != FieldType::kU32) {
          throw TraceError("trace column '" + to_text(d->name) + "." + to_text(f.name) +
                           "': enumerations must be uint32");
        }
      }
      if (!is_packed(*d)) {
        throw TraceError("trace table '" + to_text(d->name) +
                         "': fields do not cover the row exactly (padding), so the file and memory layouts would "
                         "differ");
      }
      const bool duplicate = std::any_of(tables_.begin(), tables_.end(), [&](const Table& t) { return t.name == d->name; });
      if (duplicate) continue;  // the same table listed twice (e.g. by two protocols)
      Table t;
      t.desc = d;
      t.name = std::string(d->name);
      tables_.push_back(std::move(t));
    }
    for (const std::string& off : options_.disabled) {
      auto it = std::find_if(tables_.begin(), tables_.end(), [&](const Table& t) { return t.name == off; });
      if (it == tables_.end()) {
        std::string known;
        for (const Table& t : tables_) known += (known.empty() ? "" : ", ") + t.name;
        throw TraceError("trace: cannot disable unknown table '" + off + "' (this run writes: " + known + ")");
      }
      it->recorded = false;
    }
    if (options_.gzip_level > 9) {
      throw TraceError("trace: gzip level " + std::to_string(options_.gzip_level) + " is not in 0..9");
    }
  }

  void open_file(unsigned existing = 0) {
    Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    MPI_Comm comm = comm_;
    H5Pset_fapl_mpio(fapl.get(), comm, MPI_INFO_NULL);
    // Every rank does every metadata operation: the metadata cache stays
    // consistent and rank 0 alone writes it.
    H5Pset_all_coll_metadata_ops(fapl.get(), true);
    H5Pset_coll_metadata_write(fapl.get(), true);
    if (existing != 0) {
      file_ = Handle(H5Fopen(path_.c_str(), existing, fapl.get()), H5Fclose);
      if (!file_.valid()) throw TraceError("cannot open trace file '" + path_ + "' for writing");
      open_ = true;
      return;
    }
    file_ = Handle(H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose);
    if (!file_.valid()) {
      throw TraceError("cannot create trace file '" + path_ +
                       "': does its directory exist and is it writable (and the file not open elsewhere)?");
    }
    open_ = true;
  }

  /// The row type, in memory and in the file (the same layout).
  void build_type(Table& t) {
    const TableDesc& d = *t.desc;
    t.type = Handle(H5Tcreate(H5T_COMPOUND, d.row_size), H5Tclose);
    for (const FieldDesc& f : d.fields) {
      const std::string name(f.name);
      Handle member;
      if (!f.members.empty()) {
        // An enum over the same uint32: memory and file types stay identical,
        // so writes stay collective.
        member = Handle(H5Tenum_create(H5T_NATIVE_UINT32), H5Tclose);
        for (const EnumMember& m : f.members) {
          const std::string label(m.name);
          if (H5Tenum_insert(member.get(), label.c_str(), &m.value) < 0) fail("build enum " + t.name + "." + name);
        }
      }
      const hid_t type = member.valid() ? member.get() : native_type(f.type);
      if (H5Tinsert(t.type.get(), name.c_str(), f.offset, type) < 0) fail("build type of " + t.name);
    }
  }

  void create_dataset(Table& t) {
    const TableDesc& d = *t.desc;
    build_type(t);
    const hsize_t zero = 0;
    const hsize_t unlimited = H5S_UNLIMITED;
    Handle space(H5Screate_simple(1, &zero, &unlimited), H5Sclose);
    Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    const hsize_t chunk = std::max<hsize_t>(1, options_.chunk_bytes / d.row_size);
    H5Pset_chunk(dcpl.get(), 1, &chunk);
    if (options_.gzip_level > 0) {
      // Shuffle groups the bytes of each column position, which makes the
      // small integers and timestamps of trace rows compress well. But a
      // compressed chunk that grows is rewritten, and HDF5 may put it where
      // the old one was (freed space, or the end of the file shrunk back):
      // a kill during that write leaves the last flush's index pointing at
      // bytes that no longer inflate, and the table is lost. Uncompressed
      // chunks never move: rewriting one writes its old rows' same bytes.
      H5Pset_shuffle(dcpl.get());
      H5Pset_deflate(dcpl.get(), options_.gzip_level);
    }
    H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER);
    t.dataset = Handle(H5Dcreate2(file_.get(), t.name.c_str(), t.type.get(), space.get(), H5P_DEFAULT, dcpl.get(),
                                  H5P_DEFAULT),
                       H5Dclose);
    if (!t.dataset.valid()) fail("create dataset " + t.name);
    write_string_attribute_on(t.dataset.get(), "doc", d.doc);
    write_int_attribute_on(t.dataset.get(), "key_fields", static_cast<std::int64_t>(d.key_fields));
    write_int_attribute_on(t.dataset.get(), "recorded", t.recorded ? 1 : 0);
    std::vector<std::string_view> names;
    std::vector<std::string_view> units;
    std::vector<std::string_view> docs;
    std::vector<std::string_view> missing;
    for (const FieldDesc& f : d.fields) {
      names.push_back(f.name);
      units.push_back(f.unit);
      docs.push_back(f.doc);
      missing.push_back(f.missing);
    }
    write_string_array_on(t.dataset.get(), "missing", missing);
    write_string_array_on(t.dataset.get(), "columns", names);
    write_string_array_on(t.dataset.get(), "units", units);
    write_string_array_on(t.dataset.get(), "column_docs", docs);
  }

  void write_block(Table& t, unsigned long long count, unsigned long long offset, unsigned long long total) {
    const hsize_t new_size = t.in_file + total;
    if (H5Dset_extent(t.dataset.get(), &new_size) < 0) fail("extend " + t.name);
    Handle file_space(H5Dget_space(t.dataset.get()), H5Sclose);
    const hsize_t n = count;
    Handle mem_space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    if (count > 0) {
      const hsize_t start = t.in_file + offset;
      H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &n, nullptr);
    } else {
      // A rank without rows still takes part in the collective write.
      H5Sselect_none(file_space.get());
      H5Sselect_none(mem_space.get());
    }
    static const std::byte kNothing{};
    const void* data = count > 0 ? static_cast<const void*>(t.buffer.data()) : &kNothing;
    if (H5Dwrite(t.dataset.get(), t.type.get(), mem_space.get(), file_space.get(), transfer_.get(), data) < 0) {
      fail("append " + std::to_string(count) + " rows to " + t.name);
    }
    std::uint32_t local_cause = 0;
    std::uint32_t global_cause = 0;
    H5Pget_mpio_no_collective_cause(transfer_.get(), &local_cause, &global_cause);
    ++stats_.writes;
    if ((local_cause | global_cause) != 0) {
      ++stats_.independent_writes;
      stats_.last_no_collective_cause = local_cause | global_cause;
    }
    t.block_start = t.in_file + offset;
    t.block_rows = count;
    t.in_file = new_size;
  }

 public:
  void rewrite_last_block(const TableDesc& desc, std::span<const std::byte> rows) {
    require_open("rewrite rows");
    Table& t = find(desc);
    if (!t.recorded) return;  // the same on every rank
    if (rows.size() != t.block_rows * desc.row_size) {
      throw TraceError("trace file '" + path_ + "': rewriting " + t.name + " with " +
                       std::to_string(rows.size() / desc.row_size) + " rows, but this rank wrote " +
                       std::to_string(t.block_rows));
    }
    Handle file_space(H5Dget_space(t.dataset.get()), H5Sclose);
    const hsize_t n = t.block_rows;
    Handle mem_space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    if (n > 0) {
      const hsize_t start = t.block_start;
      H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &n, nullptr);
    } else {
      H5Sselect_none(file_space.get());
      H5Sselect_none(mem_space.get());
    }
    static const std::byte kNothing{};
    const void* data = n > 0 ? static_cast<const void*>(rows.data()) : &kNothing;
    if (H5Dwrite(t.dataset.get(), t.type.get(), mem_space.get(), file_space.get(), transfer_.get(), data) < 0) {
      fail("rewrite rows of " + t.name);
    }
  }

 private:

  void log_flush() const {
    if (!options_.flush_log || comm_.rank() != 0) return;
    std::string line = "trace: flush " + std::to_string(stats_.flushes) + " complete:";
    for (const Table& t : tables_) line += " " + t.name + "=" + std::to_string(t.in_file);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
  }

  void flush_file() {
    if (H5Fflush(file_.get(), H5F_SCOPE_GLOBAL) < 0) fail("flush");
  }

  Table& find(const TableDesc& desc) {
    for (Table& t : tables_) {
      if (t.desc == &desc) return t;
    }
    for (Table& t : tables_) {
      if (t.name == desc.name) return t;
    }
    throw TraceError("trace file '" + path_ + "': table '" + to_text(desc.name) +
                     "' was not declared when the file was opened (add it to the deployment's tables)");
  }

  void write_int_attribute_on(hid_t object, std::string_view name, std::int64_t value) {
    const std::string key(name);
    Handle attr;
    if (H5Aexists(object, key.c_str()) > 0) {
      attr = Handle(H5Aopen(object, key.c_str(), H5P_DEFAULT), H5Aclose);
    } else {
      Handle space(H5Screate(H5S_SCALAR), H5Sclose);
      attr = Handle(H5Acreate2(object, key.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    }
    if (!attr.valid() || H5Awrite(attr.get(), H5T_NATIVE_INT64, &value) < 0) fail("write attribute " + key);
  }

  void write_string_attribute_on(hid_t object, std::string_view name, std::string_view value) {
    const std::string key(name);
    const Handle type = utf8_string_type();
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    Handle attr(H5Acreate2(object, key.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    const std::string buffer(value);
    const char* text = buffer.c_str();
    if (!attr.valid() || H5Awrite(attr.get(), type.get(), &text) < 0) fail("write attribute " + key);
  }

  void write_string_array_on(hid_t object, std::string_view name, const std::vector<std::string_view>& values) {
    const std::string key(name);
    const std::vector<std::string> owned(values.begin(), values.end());
    std::vector<const char*> texts;
    for (const std::string& v : owned) texts.push_back(v.c_str());
    const Handle type = utf8_string_type();
    const hsize_t n = values.size();
    Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    Handle attr(H5Acreate2(object, key.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    if (!attr.valid() || H5Awrite(attr.get(), type.get(), texts.data()) < 0) fail("write attribute " + key);
  }

  static std::uint64_t kept_rows(const TraceContinuation& from, const std::string& table) {
    for (const auto& [name, rows] : from.keep_rows) {
      if (name == table) return rows;
    }
    return 0;  // continuation_problem() refused a table without a count
  }

  /// Rank 0, read-only: why the file cannot be continued ("" if it can).
  [[nodiscard]] std::string continuation_problem(const TraceContinuation& from) const {
    if (H5Fis_hdf5(path_.c_str()) <= 0) {
      return "not an HDF5 file, so not a p2pgrid trace to continue";
    }
    const Handle file(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!file.valid()) return "cannot open it to read (permissions, or open in another program?)";
    const auto version = read_int_attribute_on(file.get(), "schema_version");
    if (!version) return "attribute 'schema_version' missing: not a p2pgrid trace";
    if (*version != kTraceSchemaVersion) {
      return "attribute 'schema_version' is " + std::to_string(*version) + " (this build writes " +
             std::to_string(kTraceSchemaVersion) + ")";
    }
    for (const auto& [name, value] : from.expect) {
      const auto found = read_text_attribute_on(file.get(), name);
      if (!found) return "attribute '" + name + "' missing (a trace of a build that did not record it?)";
      if (*found != value) {
        const std::string what = name == "config_hash" ? "a trace of another configuration"
                                                       : "a trace of another run than the checkpoint's";
        return "attribute '" + name + "' is " + *found + ", this run's is " + value + ": " + what;
      }
    }
    for (const Table& t : tables_) {
      const auto keep = std::find_if(from.keep_rows.begin(), from.keep_rows.end(),
                                     [&](const auto& entry) { return entry.first == t.name; });
      if (keep == from.keep_rows.end()) return "table '" + t.name + "': the checkpoint records no row count for it";
      if (H5Lexists(file.get(), t.name.c_str(), H5P_DEFAULT) <= 0) return "table '" + t.name + "' missing";
      const Handle dataset(H5Dopen2(file.get(), t.name.c_str(), H5P_DEFAULT), H5Dclose);
      const Handle type(dataset.valid() ? H5Dget_type(dataset.get()) : H5I_INVALID_HID, H5Tclose);
      if (!type.valid() || H5Tget_class(type.get()) != H5T_COMPOUND ||
          H5Tget_size(type.get()) != t.desc->row_size ||
          H5Tget_nmembers(type.get()) != static_cast<int>(t.desc->fields.size())) {
        return "table '" + t.name + "': its rows are not this build's layout";
      }
      const Handle space(H5Dget_space(dataset.get()), H5Sclose);
      hsize_t rows = 0;
      if (!space.valid() || H5Sget_simple_extent_ndims(space.get()) != 1 ||
          H5Sget_simple_extent_dims(space.get(), &rows, nullptr) < 0) {
        return "table '" + t.name + "': not a one-dimensional table";
      }
      if (rows < keep->second) {
        return "table '" + t.name + "' holds " + std::to_string(rows) + " rows, fewer than the " +
               std::to_string(keep->second) + " the checkpoint recorded (the file lost rows after it?)";
      }
    }
    return {};
  }

  static std::optional<std::int64_t> read_int_attribute_on(hid_t object, const std::string& name) {
    if (H5Aexists(object, name.c_str()) <= 0) return std::nullopt;
    const Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
    const Handle type(attr.valid() ? H5Aget_type(attr.get()) : H5I_INVALID_HID, H5Tclose);
    if (!type.valid() || H5Tget_class(type.get()) != H5T_INTEGER) return std::nullopt;
    std::int64_t value = 0;
    if (H5Aread(attr.get(), H5T_NATIVE_INT64, &value) < 0) return std::nullopt;
    return value;
  }

  static std::optional<std::string> read_text_attribute_on(hid_t object, const std::string& name) {
    if (H5Aexists(object, name.c_str()) <= 0) return std::nullopt;
    const Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
    const Handle type(attr.valid() ? H5Aget_type(attr.get()) : H5I_INVALID_HID, H5Tclose);
    if (!type.valid() || H5Tget_class(type.get()) != H5T_STRING || H5Tis_variable_str(type.get()) <= 0) {
      return std::nullopt;
    }
    const Handle memory = utf8_string_type();
    char* text = nullptr;
    if (H5Aread(attr.get(), memory.get(), &text) < 0) return std::nullopt;
    std::string value = text != nullptr ? std::string(text) : std::string();
    H5free_memory(text);
    return value;
  }

 public:
  [[nodiscard]] std::int64_t int_attribute(std::string_view name, std::int64_t fallback) const {
    require_open("read attribute");
    return read_int_attribute_on(file_.get(), std::string(name)).value_or(fallback);
  }

  [[nodiscard]] std::string text_attribute(std::string_view name) const {
    require_open("read attribute");
    return read_text_attribute_on(file_.get(), std::string(name)).value_or(std::string());
  }

  std::vector<std::byte> read_rows(const TableDesc& desc, std::uint64_t first, std::uint64_t count) {
    require_open("read rows");
    Table& t = find(desc);
    if (first + count > t.in_file) {
      throw TraceError("trace file '" + path_ + "': reading rows " + std::to_string(first) + ".." +
                       std::to_string(first + count) + " of " + t.name + ", which holds " + std::to_string(t.in_file));
    }
    std::vector<std::byte> rows(count * desc.row_size);
    Handle file_space(H5Dget_space(t.dataset.get()), H5Sclose);
    const hsize_t n = count;
    Handle mem_space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    if (n > 0) {
      const hsize_t start = first;
      H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &n, nullptr);
    } else {
      H5Sselect_none(file_space.get());
      H5Sselect_none(mem_space.get());
    }
    std::byte nothing{};
    void* data = n > 0 ? static_cast<void*>(rows.data()) : &nothing;
    if (H5Dread(t.dataset.get(), t.type.get(), mem_space.get(), file_space.get(), transfer_.get(), data) < 0) {
      fail("read rows of " + t.name);
    }
    return rows;
  }

 private:
  std::string path_;
  TraceOptions options_;
  boost::mpi::communicator comm_;
  Handle file_;
  Handle transfer_;
  std::vector<Table> tables_;
  std::size_t buffered_ = 0;
  std::chrono::steady_clock::time_point last_flush_;
  TraceWriterStats stats_;
  bool open_ = false;
};

Hdf5TraceSink::Hdf5TraceSink(const std::string& path, std::span<const TableDesc* const> tables, TraceOptions options,
                             const boost::mpi::communicator& comm)
    : impl_(std::make_unique<Impl>(path, tables, std::move(options), comm)) {}

Hdf5TraceSink::Hdf5TraceSink(const std::string& path, std::span<const TableDesc* const> tables, TraceOptions options,
                             const boost::mpi::communicator& comm, const TraceContinuation& from)
    : impl_(std::make_unique<Impl>(path, tables, std::move(options), comm, from)) {}

Hdf5TraceSink::~Hdf5TraceSink() = default;

void Hdf5TraceSink::append(const TableDesc& table, const void* row) { impl_->append(table, row); }
bool Hdf5TraceSink::enabled(const TableDesc& table) const { return impl_->enabled(table); }
bool Hdf5TraceSink::wants_flush() const { return impl_->wants_flush(); }
std::uint64_t Hdf5TraceSink::buffered_bytes() const { return impl_->buffered_bytes(); }
void Hdf5TraceSink::flush() { impl_->flush(); }
void Hdf5TraceSink::set_attribute(std::string_view name, std::string_view value) { impl_->set_attribute(name, value); }
void Hdf5TraceSink::set_attribute(std::string_view name, std::int64_t value) {
  impl_->write_int_attribute(name, value);
}
void Hdf5TraceSink::close() { impl_->close(); }
void Hdf5TraceSink::close_stopped() { impl_->close(false); }
void Hdf5TraceSink::rewrite_last_block(const TableDesc& table, std::span<const std::byte> rows) {
  impl_->rewrite_last_block(table, rows);
}
std::uint64_t Hdf5TraceSink::rows_in_file(const TableDesc& table) const { return impl_->rows_in_file(table); }
std::int64_t Hdf5TraceSink::int_attribute(std::string_view name, std::int64_t fallback) const {
  return impl_->int_attribute(name, fallback);
}
std::string Hdf5TraceSink::text_attribute(std::string_view name) const { return impl_->text_attribute(name); }
std::vector<std::byte> Hdf5TraceSink::read_rows(const TableDesc& table, std::uint64_t first, std::uint64_t count) {
  return impl_->read_rows(table, first, count);
}
const TraceWriterStats& Hdf5TraceSink::stats() const { return impl_->stats(); }
const std::string& Hdf5TraceSink::path() const { return impl_->path(); }

std::string hdf5_library_version() {
  unsigned major = 0;
  unsigned minor = 0;
  unsigned release = 0;
  H5get_libversion(&major, &minor, &release);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
}

}  // namespace p2pgrid
