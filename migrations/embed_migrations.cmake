# cmake -DOUTPUT=file.cc -DSOURCE_DIR=migrations -P embed_migrations.cmake
file(GLOB FILES ${SOURCE_DIR}/V*.sql)
list(SORT FILES)
set(body "")
foreach(file IN LISTS FILES)
  get_filename_component(name "${file}" NAME)
  if(NOT name MATCHES "^V([0-9]+)__([a-z0-9_]+)\\.sql$")
    message(FATAL_ERROR "migration file ${name} is not named V<version>__<name>.sql")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  set(label "${CMAKE_MATCH_2}")
  file(READ "${file}" sql)
  if(sql MATCHES "\\)sfmigration\"")
    message(FATAL_ERROR "${name} contains the raw-string delimiter )sfmigration\"")
  endif()
  string(APPEND body "    {${version}, \"${label}\", R\"sfmigration(${sql})sfmigration\"},\n")
endforeach()
file(WRITE "${OUTPUT}.tmp"
"// Generated from migrations/*.sql by embed_migrations.cmake. Do not edit.
#include \"salesfollow/common/migrations.h\"

namespace salesfollow {
const std::vector<Migration>& embedded_migrations() {
  static const std::vector<Migration> migrations = {
${body}  };
  return migrations;
}
}  // namespace salesfollow
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
