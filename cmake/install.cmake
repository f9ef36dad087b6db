# `cmake --install`: the binary, the libraries and public headers with a CMake
# package (find_package(p2pgrid) -> p2pgrid::api, p2pgrid::sim, ...), the
# sbatch scripts, example configs and protocol, the analysis package and docs.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(p2pgrid_libraries p2pgrid_api p2pgrid_warnings p2pgrid_sim p2pgrid_config p2pgrid_workload)
foreach(lib p2pgrid_trace p2pgrid_chord p2pgrid_can p2pgrid_grid p2pgrid_match p2pgrid_peer p2pgrid_live p2pgrid_app)
  if(TARGET ${lib})
    list(APPEND p2pgrid_libraries ${lib})
  endif()
endforeach()
foreach(lib IN LISTS p2pgrid_libraries)
  string(REPLACE "p2pgrid_" "" short ${lib})
  set_target_properties(${lib} PROPERTIES EXPORT_NAME ${short})
endforeach()

install(TARGETS p2pgrid ${p2pgrid_libraries} EXPORT p2pgridTargets
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(p2pgrid_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/p2pgrid)
install(EXPORT p2pgridTargets NAMESPACE p2pgrid:: DESTINATION ${p2pgrid_cmake_dir})
configure_package_config_file(cmake/p2pgridConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/p2pgridConfig.cmake
                              INSTALL_DESTINATION ${p2pgrid_cmake_dir})
# 0.x: a minor version may break the API, so only the same minor is compatible.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/p2pgridConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/p2pgridConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/p2pgridConfigVersion.cmake
        DESTINATION ${p2pgrid_cmake_dir})

set(p2pgrid_share ${CMAKE_INSTALL_DATADIR}/p2pgrid)
install(PROGRAMS jobs/slurm/run.sbatch jobs/slurm/sweep.sbatch jobs/slurm/scaling.sbatch jobs/slurm/make_sweep.py
        DESTINATION ${p2pgrid_share}/slurm)
install(FILES jobs/slurm/common.sh jobs/slurm/site.example.sh DESTINATION ${p2pgrid_share}/slurm)
install(DIRECTORY jobs/slurm/sweeps DESTINATION ${p2pgrid_share}/slurm)
install(DIRECTORY configs/ DESTINATION ${p2pgrid_share}/configs)
install(DIRECTORY examples/ DESTINATION ${p2pgrid_share}/examples)
install(DIRECTORY postprocess/ DESTINATION ${p2pgrid_share}/postprocess
        PATTERN "__pycache__" EXCLUDE PATTERN "*.egg-info" EXCLUDE PATTERN "build" EXCLUDE)
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES README.md LICENSE CITATION.cff CHANGELOG.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
