# Checks that every console catalogue (translations/fleetdeck_*.ts) holds exactly the strings the
# console's sources pass to tr(): lupdate, run on a copy with the console's options, must neither add
# a message (the catalogue lacks it: it was not translated by hand) nor drop one (nothing uses it any
# more). The catalogues themselves are never written.
#   cmake -DLUPDATE=<lupdate> -DAPP_DIR=<app/> -DTRANSLATIONS_DIR=<translations/> -DWORK_DIR=<scratch> -P check_catalogues.cmake
foreach(variable IN ITEMS LUPDATE APP_DIR TRANSLATIONS_DIR WORK_DIR)
  if(NOT ${variable})
    message(FATAL_ERROR "check_catalogues.cmake needs -D${variable}=…")
  endif()
endforeach()
file(GLOB catalogues "${TRANSLATIONS_DIR}/fleetdeck_*.ts")
if(NOT catalogues)
  message(FATAL_ERROR "no catalogues (fleetdeck_*.ts) in ${TRANSLATIONS_DIR}")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

# Messages, and messages lupdate marks unfinished (those it added), in a catalogue's text.
function(count_messages text out_messages out_unfinished)
  string(REGEX MATCHALL "<message[ >]" messages "${text}")
  string(REGEX MATCHALL "type=\"unfinished\"" unfinished "${text}")
  list(LENGTH messages message_count)
  list(LENGTH unfinished unfinished_count)
  set(${out_messages} ${message_count} PARENT_SCOPE)
  set(${out_unfinished} ${unfinished_count} PARENT_SCOPE)
endfunction()

set(problems "")
foreach(catalogue IN LISTS catalogues)
  get_filename_component(name "${catalogue}" NAME)
  file(COPY "${catalogue}" DESTINATION "${WORK_DIR}")
  # The options app/CMakeLists.txt gives qt_add_translations; the app folder holds its sources.
  execute_process(COMMAND "${LUPDATE}" -no-obsolete -locations none -I "${APP_DIR}" "${APP_DIR}" -ts "${WORK_DIR}/${name}"
                  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "lupdate failed on ${name} (${result}):\n${output}")
  endif()
  file(READ "${catalogue}" before)
  file(READ "${WORK_DIR}/${name}" after)
  count_messages("${before}" messages_before unfinished_before)
  count_messages("${after}" messages_after unfinished_after)
  if(NOT messages_before EQUAL messages_after OR NOT unfinished_before EQUAL unfinished_after)
    string(APPEND problems "${name}: ${messages_before} messages (${unfinished_before} unfinished); as lupdate leaves it "
                           "${messages_after} (${unfinished_after} unfinished). lupdate said:\n${output}\n")
  endif()
endforeach()
if(problems)
  message(FATAL_ERROR "A catalogue does not match the console's tr() strings: add the new ones by hand, "
                      "translated, and delete the ones no source uses (a fresh copy: ${WORK_DIR}).\n${problems}")
endif()
message(STATUS "${CMAKE_CURRENT_LIST_FILE}: every catalogue matches the console's tr() strings")
