// TorchScript modules: load (file or bytes, with map_location), call methods, list parameters
// and buffers, train/eval, move, save; and the scan that tells whether calls may overlap.
#include "values.h"

#include <caffe2/serialize/read_adapter_interface.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/ir/alias_analysis.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/serialization/import.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <sstream>

struct ltrs_script_module {
  torch::jit::Module module;
};

using ltrs::jit::give_value;
using ltrs::jit::to_string;
using ltrs::jit::value_of;

namespace {

std::optional<c10::Device> device_of(const ltrs_device* d) {
  if (d == nullptr) return std::nullopt;
  return c10::Device(static_cast<c10::DeviceType>(d->type), static_cast<c10::DeviceIndex>(d->index));
}

// Bytes owned by the reader, so the module never points into the caller's buffer.
class OwnedBytes final : public caffe2::serialize::ReadAdapterInterface {
 public:
  explicit OwnedBytes(std::vector<char> bytes) : bytes_(std::move(bytes)) {}
  size_t size() const override { return bytes_.size(); }
  size_t read(uint64_t pos, void* buf, size_t n, const char* /*what*/) const override {
    if (pos >= bytes_.size()) return 0;
    n = std::min(n, static_cast<size_t>(bytes_.size() - pos));
    std::memcpy(buf, bytes_.data() + pos, n);
    return n;
  }

 private:
  std::vector<char> bytes_;
};

std::string method_list(const torch::jit::Module& m) {
  std::string out;
  for (const auto& method : m.get_methods()) {
    if (!out.empty()) out += ", ";
    out += method.name();
  }
  return out.empty() ? "(none)" : out;
}

// Whether a value of type `t` holds state other than tensor data that code could change in
// place: a list, a dict, an object that is not a module, or anything that may contain one.
// (Modules change only through attribute assignments, found separately.)
bool has_mutable_container(const c10::TypePtr& t) {
  switch (t->kind()) {
    case c10::TypeKind::ListType:
    case c10::TypeKind::DictType:
    case c10::TypeKind::AnyType:
    case c10::TypeKind::InterfaceType:
    case c10::TypeKind::AnyListType:
    case c10::TypeKind::AnyClassType:
      return true;
    case c10::TypeKind::ClassType:
      return !t->expectRef<c10::ClassType>().is_module();
    default:
      for (const c10::TypePtr& inner : t->containedTypes()) {
        if (has_mutable_container(inner)) return true;
      }
      return false;
  }
}

// Whether `outer` may hold, at any depth, a value of type `inner` (a list of lists holds lists).
bool may_hold(const c10::TypePtr& outer, const c10::TypePtr& inner) {
  for (const c10::TypePtr& t : outer->containedTypes()) {
    if (t->kind() == c10::TypeKind::AnyType || t->isSubtypeOf(*inner) || inner->isSubtypeOf(*t) ||
        may_hold(t, inner)) {
      return true;
    }
  }
  return false;
}

// The values of one graph through which its code reaches state that outlives a call: the
// containers it reads from attributes and the ones it receives as arguments (which a caller
// may have read from an attribute; the callee's writes are found here, in its own graph).
struct Shared {
  std::vector<torch::jit::Value*> values;

  void add_block(torch::jit::Block* block) {
    for (torch::jit::Node* n : block->nodes()) {
      if (n->kind() == c10::prim::GetAttr && has_mutable_container(n->output()->type())) {
        values.push_back(n->output());
      }
      for (torch::jit::Block* b : n->blocks()) add_block(b);
    }
  }
};

// Whether writing to the container `w` may change one of `shared` (or a container inside one).
bool reaches(torch::jit::Value* w, const Shared& shared, torch::jit::AliasDb& db) {
  for (torch::jit::Value* s : shared.values) {
    if (db.mayAlias(w, s)) return true;
    if (may_hold(s->type(), w->type()) && db.mayContainAlias(s, w)) return true;
  }
  return false;
}

// An attribute assignment, or an operator whose schema says it writes to a container argument
// (`append`, `_set_item`, `insert`, `pop`, `clear`, `extend`, `sort`, `update`, ...) that may
// be shared state. Writes to tensors (in-place ops, also on tensors inside lists) do not count:
// they race on elements only, the contract every `Tensor` already has.
bool block_mutates(torch::jit::Block* block, const Shared& shared, torch::jit::AliasDb& db) {
  for (torch::jit::Node* n : block->nodes()) {
    if (n->kind() == c10::prim::SetAttr) {
      // On a module: always shared state. On another object: when it may be one the code
      // reads from an attribute or receives (not one it has just created).
      torch::jit::Value* target = n->input(0);
      auto cls = target->type()->cast<c10::ClassType>();
      if (cls == nullptr || cls->is_module() || reaches(target, shared, db)) return true;
    }
    if (const c10::FunctionSchema* schema = n->maybeSchema()) {
      const auto& args = schema->arguments();
      for (size_t k = 0; k < args.size() && k < n->inputs().size(); ++k) {
        const c10::AliasInfo* alias = args[k].alias_info();
        torch::jit::Value* w = n->input(k);
        if (alias != nullptr && alias->isWrite() && has_mutable_container(w->type()) &&
            reaches(w, shared, db)) {
          return true;
        }
      }
    }
    for (torch::jit::Block* b : n->blocks()) {
      if (block_mutates(b, shared, db)) return true;
    }
  }
  return false;
}

// `constructor`: the graph is the `__init__` of a class that is not a module, whose first input
// is the object being built (its attribute assignments initialize it).
bool graph_mutates(const std::shared_ptr<torch::jit::Graph>& graph, bool constructor) {
  torch::jit::AliasDb db(graph);
  Shared shared;
  for (size_t k = constructor ? 1 : 0; k < graph->inputs().size(); ++k) {
    torch::jit::Value* in = graph->inputs()[k];
    if (has_mutable_container(in->type())) shared.values.push_back(in);
  }
  shared.add_block(graph->block());
  return block_mutates(graph->block(), shared, db);
}

void collect_tensors(const torch::jit::Module& m, const std::string& prefix,
                     c10::impl::GenericList& out, int depth) {
  TORCH_CHECK(depth < 1000, "the module nests more than 1000 levels deep");
  for (const auto& p : m.named_parameters(/*recurse=*/false)) {
    out.push_back(c10::ivalue::Tuple::create({c10::IValue(prefix + p.name), c10::IValue(p.value),
                                              c10::IValue(true)}));
  }
  for (const auto& b : m.named_buffers(/*recurse=*/false)) {
    out.push_back(c10::ivalue::Tuple::create({c10::IValue(prefix + b.name), c10::IValue(b.value),
                                              c10::IValue(false)}));
  }
  for (const auto& child : m.named_children()) {
    collect_tensors(child.value, prefix + child.name + ".", out, depth + 1);
  }
}

}  // namespace

extern "C" {

ltrs_error* ltrs_jit_load(const char* path, int64_t path_len, const ltrs_device* device,
                          ltrs_script_module** out) {
  LTRS_TRY {
    *out = nullptr;
    std::string p(path, static_cast<size_t>(path_len));
    *out = new ltrs_script_module{torch::jit::load(p, device_of(device))};
  }
  LTRS_CATCH
}

ltrs_error* ltrs_jit_load_bytes(const char* data, int64_t len, const ltrs_device* device,
                                ltrs_script_module** out) {
  LTRS_TRY {
    *out = nullptr;
    auto reader = std::make_shared<OwnedBytes>(std::vector<char>(data, data + len));
    *out = new ltrs_script_module{torch::jit::load(reader, device_of(device))};
  }
  LTRS_CATCH
}

void ltrs_script_module_free(ltrs_script_module* m) { delete m; }

ltrs_error* ltrs_script_module_call(const ltrs_script_module* m, ltrs_str name,
                                    const ltrs_ivalue* const* args, int64_t nargs,
                                    const ltrs_str* kw_names, const ltrs_ivalue* const* kw_values,
                                    int64_t nkw, ltrs_ivalue** out) {
  LTRS_TRY {
    *out = nullptr;
    std::string method_name = to_string(name);
    std::optional<torch::jit::Method> method = m->module.find_method(method_name);
    TORCH_CHECK(method.has_value(), "the module has no method `", method_name,
                "`; its methods are: ", method_list(m->module));
    // Argument 0 of a method's schema is `self`.
    const std::vector<c10::Argument>& params = method->function().getSchema().arguments();
    std::vector<c10::IValue> stack;
    stack.reserve(static_cast<size_t>(nargs));
    for (int64_t k = 0; k < nargs; ++k) {
      const c10::IValue& a = value_of(args[k]);
      size_t at = static_cast<size_t>(k) + 1;
      stack.push_back(at < params.size() ? ltrs::jit::retype(a, params[at].type()) : a);
    }
    torch::jit::Kwargs kwargs;
    for (int64_t k = 0; k < nkw; ++k) {
      std::string key = to_string(kw_names[k]);
      const c10::IValue& a = value_of(kw_values[k]);
      auto param = std::find_if(params.begin() + (params.empty() ? 0 : 1), params.end(),
                                [&](const c10::Argument& p) { return p.name() == key; });
      kwargs[key] = param != params.end() ? ltrs::jit::retype(a, param->type()) : a;
    }
    c10::IValue result = (*method)(std::move(stack), kwargs);
    *out = give_value(std::move(result));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_script_module_has_method(const ltrs_script_module* m, ltrs_str name, bool* out) {
  LTRS_TRY { *out = m->module.find_method(to_string(name)).has_value(); }
  LTRS_CATCH
}

ltrs_error* ltrs_script_module_method_names(const ltrs_script_module* m, ltrs_ivalue** out) {
  LTRS_TRY {
    *out = nullptr;
    std::vector<std::string> names;
    for (const auto& method : m->module.get_methods()) names.push_back(method.name());
    *out = give_value(ltrs::jit::string_list(names));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_script_module_mutates_state(const ltrs_script_module* m, bool* out) {
  LTRS_TRY {
    *out = true;
    std::shared_ptr<torch::jit::CompilationUnit> cu = m->module._ivalue()->compilation_unit();
    bool mutates = false;
    for (torch::jit::Function* f : cu->get_functions()) {
      torch::jit::GraphFunction* gf = torch::jit::tryToGraphFunction(*f);
      // A function that is not a graph (a builtin) could do anything.
      if (gf == nullptr) {
        mutates = true;
        break;
      }
      std::shared_ptr<torch::jit::Graph> graph = gf->graph();
      bool constructor = false;
      if (f->name() == "__init__" && !graph->inputs().empty()) {
        auto cls = graph->inputs()[0]->type()->cast<c10::ClassType>();
        constructor = cls != nullptr && !cls->is_module();
      }
      if (graph_mutates(graph, constructor)) {
        mutates = true;
        break;
      }
    }
    *out = mutates;
  }
  LTRS_CATCH
}

ltrs_error* ltrs_script_module_tensors(const ltrs_script_module* m, ltrs_ivalue** out) {
  LTRS_TRY {
    *out = nullptr;
    c10::impl::GenericList list(c10::TupleType::create(
        {c10::StringType::get(), c10::TensorType::get(), c10::BoolType::get()}));
    collect_tensors(m->module, "", list, 0);
    *out = give_value(c10::IValue(std::move(list)));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_script_module_train(ltrs_script_module* m, bool on) {
  LTRS_TRY { m->module.train(on); }
  LTRS_CATCH
}

ltrs_error* ltrs_script_module_is_training(const ltrs_script_module* m, bool* out) {
  LTRS_TRY { *out = m->module.is_training(); }
  LTRS_CATCH
}

ltrs_error* ltrs_script_module_to(ltrs_script_module* m, ltrs_device device) {
  LTRS_TRY { m->module.to(*device_of(&device)); }
  LTRS_CATCH
}

ltrs_error* ltrs_script_module_save(const ltrs_script_module* m, const char* path,
                                    int64_t path_len) {
  LTRS_TRY { m->module.save(std::string(path, static_cast<size_t>(path_len))); }
  LTRS_CATCH
}

ltrs_error* ltrs_script_module_save_bytes(const ltrs_script_module* m, char** out_data,
                                          int64_t* out_len) {
  LTRS_TRY {
    *out_data = nullptr;
    *out_len = 0;
    std::ostringstream os;
    m->module.save(os);
    std::string bytes = os.str();
    char* data = static_cast<char*>(std::malloc(bytes.empty() ? 1 : bytes.size()));
    if (data == nullptr) throw std::bad_alloc();
    std::memcpy(data, bytes.data(), bytes.size());
    *out_data = data;
    *out_len = static_cast<int64_t>(bytes.size());
  }
  LTRS_CATCH
}

}  // extern "C"
