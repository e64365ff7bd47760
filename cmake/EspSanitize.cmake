# ESP_SANITIZE: which sanitizer the whole build is instrumented with.
#   OFF      none (default)
#   address  AddressSanitizer + UndefinedBehaviorSanitizer (ON, the old boolean
#            form of this option, still means address)
#   thread   ThreadSanitizer
# One sanitizer per build tree: ASan and TSan cannot share a process. Sets
# ESP_SANITIZER to "", "address" or "thread" for the rest of the build.
set(ESP_SANITIZE OFF CACHE STRING "Sanitizer: OFF, address (ASan+UBSan; ON = address) or thread (TSan)")
set_property(CACHE ESP_SANITIZE PROPERTY STRINGS OFF address thread)

string(TOLOWER "${ESP_SANITIZE}" _esp_sanitize)
if(_esp_sanitize MATCHES "^(on|yes|true|y|1|address)$")
  set(ESP_SANITIZER address)
elseif(_esp_sanitize STREQUAL "thread")
  set(ESP_SANITIZER thread)
elseif(_esp_sanitize MATCHES "^(off|no|false|n|0|)$")
  set(ESP_SANITIZER "")
else()
  message(FATAL_ERROR "ESP_SANITIZE=${ESP_SANITIZE}: use OFF, address (or ON) or thread")
endif()
unset(_esp_sanitize)

if(ESP_SANITIZER STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
elseif(ESP_SANITIZER STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()
if(ESP_SANITIZER)
  message(STATUS "esp-offload: built with the ${ESP_SANITIZER} sanitizer")
endif()
