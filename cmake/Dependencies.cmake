# Every dependency comes from Debian 12 packages (scripts/install-deps.sh).
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(fmt REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(date CONFIG REQUIRED)  # date::date-tz reads the OS tz database
find_package(PkgConfig REQUIRED)
pkg_check_modules(MARIADB REQUIRED IMPORTED_TARGET libmariadb)
pkg_check_modules(LIBJWT REQUIRED IMPORTED_TARGET libjwt)

find_program(GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)

# SOCI ships neither a CMake config nor a .pc file on Debian.
find_library(SOCI_CORE_LIBRARY soci_core REQUIRED)
find_library(SOCI_MYSQL_LIBRARY soci_mysql REQUIRED)
find_path(SOCI_INCLUDE_DIR soci/soci.h REQUIRED)
find_package(Boost REQUIRED)  # SOCI's headers include Boost

add_library(soci::core UNKNOWN IMPORTED)
set_target_properties(soci::core PROPERTIES
  IMPORTED_LOCATION "${SOCI_CORE_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${SOCI_INCLUDE_DIR}")
target_link_libraries(soci::core INTERFACE Boost::headers ${CMAKE_DL_LIBS})

add_library(soci::mysql UNKNOWN IMPORTED)
set_target_properties(soci::mysql PROPERTIES IMPORTED_LOCATION "${SOCI_MYSQL_LIBRARY}")
target_link_libraries(soci::mysql INTERFACE soci::core PkgConfig::MARIADB)

if(SALESFOLLOW_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
