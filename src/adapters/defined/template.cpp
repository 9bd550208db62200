// The two small languages of a definition: field paths ("a.b[0].c") and templates
// ("v0:{header:x-ts}:{body}"), each parsed once when the definition loads.
#include <callgate/adapters/defined/definition.hpp>
#include <cctype>

namespace callgate::adapters::defined {

Path parse_path(std::string_view text, const yaml::Value& where) {
  Path p;
  std::size_t pos = 0;
  if (text.empty()) where.fail("a field path must not be empty");
  while (pos <= text.size()) {
    auto dot = text.find('.', pos);
    if (dot == std::string_view::npos) dot = text.size();
    std::string_view seg = text.substr(pos, dot - pos);
    Path::Step step;
    if (auto open = seg.find('['); open != std::string_view::npos) {
      if (seg.back() != ']')
        where.fail("malformed index in field path '" + std::string(text) + "'");
      const auto digits = seg.substr(open + 1, seg.size() - open - 2);
      step.index = 0;
      for (char c : digits) {
        if (!std::isdigit(static_cast<unsigned char>(c)) || step.index > 100000)
          where.fail("an index must be a number, in '" + std::string(text) + "'");
        step.index = step.index * 10 + (c - '0');
      }
      seg = seg.substr(0, open);
    }
    if (seg.empty()) where.fail("empty name in field path '" + std::string(text) + "'");
    step.key = std::string(seg);
    p.steps.push_back(std::move(step));
    pos = dot + 1;
  }
  return p;
}

namespace {

using Part = Template::Part;

/** One placeholder's inside, "header:x-ts" or "query:sorted|.", as a part. */
Part placeholder(std::string_view inner, const yaml::Value& where) {
  Part part;
  if (auto bar = inner.find('|'); bar != std::string_view::npos) {
    part.suffix = std::string(inner.substr(bar + 1));
    inner = inner.substr(0, bar);
  }
  auto named = [&](std::string_view prefix) {
    return inner.starts_with(prefix) && inner.size() > prefix.size();
  };
  if (inner == "body") {
    part.kind = Part::Kind::body;
  } else if (inner == "form:sorted") {
    part.kind = Part::Kind::form_sorted;
  } else if (inner == "query:sorted") {
    part.kind = Part::Kind::query_sorted;
  } else if (named("header:")) {
    part.kind = Part::Kind::header;
    part.text = std::string(inner.substr(7));
  } else if (named("url_base:")) {
    part.kind = Part::Kind::url_base;
    part.text = std::string(inner.substr(9));
  } else if (named("url:")) {
    part.kind = Part::Kind::url;
    part.text = std::string(inner.substr(4));
  } else {
    part.kind = Part::Kind::field;
    part.path = parse_path(inner, where);
  }
  return part;
}

}  // namespace

Template parse_template(std::string_view text, const yaml::Value& where) {
  Template t;
  t.text = std::string(text);
  if (text.find_first_of("{}") == std::string_view::npos) {
    t.parts.push_back({Part::Kind::field, {}, parse_path(text, where), {}});
    return t;
  }
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto open = text.find('{', pos);
    const auto stray = text.find('}', pos);
    if (stray < open) where.fail("a '}' without its '{' in '" + std::string(text) + "'");
    if (open == std::string_view::npos) {
      t.parts.push_back({Part::Kind::literal, std::string(text.substr(pos)), {}, {}});
      break;
    }
    if (open > pos)
      t.parts.push_back({Part::Kind::literal, std::string(text.substr(pos, open - pos)), {}, {}});
    const auto close = text.find('}', open);
    if (close == std::string_view::npos)
      where.fail("a '{' without its '}' in '" + std::string(text) + "'");
    t.parts.push_back(placeholder(text.substr(open + 1, close - open - 1), where));
    pos = close + 1;
  }
  return t;
}

}  // namespace callgate::adapters::defined
