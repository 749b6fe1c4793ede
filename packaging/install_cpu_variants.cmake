# Included after llama-cpp-python's project() call (CMAKE_PROJECT_llama_cpp_INCLUDE). llama-cpp-python
# installs the libraries it knows by name; with GGML_CPU_ALL_VARIANTS the CPU backend is one
# module per instruction-set level (ggml-cpu-x64 ... ggml-cpu-sapphirerapids), which it does not
# know. This defers, to the end of the configure step, an install rule for every such module
# into the package's lib folder beside libggml, where simdesk's model process picks one at run time.
function(simdesk_install_cpu_variants)
  foreach(name IN ITEMS x64 sse42 sandybridge ivybridge piledriver haswell skylakex cannonlake
                        cascadelake icelake cooperlake zen4 alderlake sapphirerapids)
    if(TARGET ggml-cpu-${name})
      set_target_properties(ggml-cpu-${name} PROPERTIES INSTALL_RPATH "$ORIGIN"
                                                         BUILD_WITH_INSTALL_RPATH TRUE)
      install(TARGETS ggml-cpu-${name}
              LIBRARY DESTINATION ${SKBUILD_PLATLIB_DIR}/llama_cpp/lib
              RUNTIME DESTINATION ${SKBUILD_PLATLIB_DIR}/llama_cpp/lib)
    endif()
  endforeach()
endfunction()
cmake_language(DEFER CALL simdesk_install_cpu_variants)
