// src/api/openapi.yaml and the router agree: every path and verb in the schema is served, and
// every route is in the schema. The YAML is read by indentation: a path is a two-space key
// starting with '/' under `paths:`, a verb a four-space key below it.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>

#include "api/router.hpp"

namespace zapotec::api {
namespace {

std::set<std::string> schema_routes(const std::string& file) {
    std::ifstream in(file);
    std::set<std::string> routes;
    std::string line;
    std::string path;
    bool in_paths = false;
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] != ' ' && line[0] != '#') {
            in_paths = line == "paths:";
            continue;
        }
        if (!in_paths || line.empty())
            continue;
        if (line.starts_with("  /") && line.back() == ':') {
            path = line.substr(2, line.size() - 3);
            continue;
        }
        for (const char* verb : {"get", "put", "patch", "post", "delete"}) {
            if (line == std::string("    ") + verb + ":") {
                std::string method = verb;
                for (char& c : method)
                    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                routes.insert(method + " " + path);
            }
        }
    }
    return routes;
}

TEST(ApiOpenapi, SchemaMatchesTheRouter) {
    std::set<std::string> documented =
        schema_routes(std::string(__FILE__).substr(0, std::string(__FILE__).rfind("/tests/")) +
                      "/src/api/openapi.yaml");
    ASSERT_GE(documented.size(), 17u);
    std::set<std::string> served;
    for (const Router::Route& route : make_api_router().routes())
        served.insert(route.method + " " + route.pattern);
    EXPECT_EQ(documented, served);
}

}  // namespace
}  // namespace zapotec::api
