# Small helpers so every backend module and service is declared the same way.

# fleetdeck_backend_module(<name>): library fleetdeck_<name> with alias fleetdeck::<name>, public
# headers under include/, private sources added by the caller with target_sources.
function(fleetdeck_backend_module name)
  add_library(fleetdeck_${name})
  add_library(fleetdeck::${name} ALIAS fleetdeck_${name})
  target_include_directories(fleetdeck_${name}
    PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(fleetdeck_${name} PRIVATE fleetdeck::build_options)
endfunction()

# fleetdeck_embed_migrations(<target> <service> <dir> <files...>): compiles the SQL files into the
# target so a service binary carries its own schema. The generated header "<service>_migrations.h"
# declares fleetdeck::<service>::embeddedMigrations().
function(fleetdeck_embed_migrations target service dir)
  set(out_cpp "${CMAKE_CURRENT_BINARY_DIR}/${service}_migrations.cpp")
  set(out_h "${CMAKE_CURRENT_BINARY_DIR}/${service}_migrations.h")
  set(inputs)
  foreach(file IN LISTS ARGN)
    list(APPEND inputs "${dir}/${file}")
  endforeach()
  # A ';'-list would be split by the shell running the command: pass the files '|'-separated.
  list(JOIN inputs "|" inputs_arg)
  add_custom_command(
    OUTPUT "${out_cpp}" "${out_h}"
    COMMAND ${CMAKE_COMMAND} -DOUT_CPP=${out_cpp} -DOUT_H=${out_h} -DSERVICE=${service} "-DINPUTS=${inputs_arg}"
            -P "${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake"
    DEPENDS ${inputs} "${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake"
    COMMENT "Embedding migrations of ${service}"
    VERBATIM)
  target_sources(${target} PRIVATE "${out_cpp}" "${out_h}")
  target_include_directories(${target} PUBLIC "${CMAKE_CURRENT_BINARY_DIR}")
endfunction()
