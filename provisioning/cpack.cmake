# SPDX-License-Identifier: MIT
# Install rules for the provisioning files and a Debian package (cpack -G DEB).
# Included by the top-level CMakeLists.txt. The binary's own rule is in
# agent/CMakeLists.txt (${CMAKE_INSTALL_BINDIR}/keymime-agent).
# Paths come from GNUInstallDirs (included by the top CMakeLists.txt); the
# systemd and udev directories are theirs (lib/, never a multiarch libdir).
#
# The systemd units name /usr/bin and /usr/sbin, so configure with
# -DCMAKE_INSTALL_PREFIX=/usr for a `cmake --install` onto a system (install.sh
# does); the package always installs under /usr.

set(KEYMIME_PROV ${CMAKE_CURRENT_LIST_DIR})

install(PROGRAMS ${KEYMIME_PROV}/gadget/keymime-gadget DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(PROGRAMS ${KEYMIME_PROV}/pi/enable-otg DESTINATION ${CMAKE_INSTALL_SBINDIR} RENAME keymime-enable-otg)
install(FILES ${KEYMIME_PROV}/systemd/keymime-gadget.service
              ${KEYMIME_PROV}/systemd/keymime-agent.service
        DESTINATION lib/systemd/system)
install(FILES ${KEYMIME_PROV}/udev/70-keymime-hidg.rules DESTINATION lib/udev/rules.d)
install(FILES ${KEYMIME_PROV}/agent.conf.example
              ${KEYMIME_PROV}/gadget/gadget.conf.example
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
# The postinst's copy: /usr/share/doc may be left out by dpkg (path-exclude in
# container and minimal images), and Debian policy 12.3 says nothing may need it.
install(FILES ${KEYMIME_PROV}/agent.conf.example DESTINATION ${CMAKE_INSTALL_DATADIR}/keymime)
# The broker side: the account/ACL/certificate tool, the shipped broker
# configuration, and the dashboard that mosquitto serves from http_dir
# (/usr/share/keymime/web; built by `npm run build` in web-client/ before
# configuring, else left out).
install(PROGRAMS ${CMAKE_CURRENT_SOURCE_DIR}/provisioning/broker/keymime-broker DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/provisioning/broker/keymime_broker DESTINATION ${CMAKE_INSTALL_DATADIR}/keymime
        FILES_MATCHING PATTERN "*.py")   # the tool's Python package
install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/broker-config/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/broker-config
        PATTERN plugin EXCLUDE)   # the plugin is built (broker-config/plugin), not documentation
if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/web-client/dist/index.html)
  install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/web-client/dist/ DESTINATION ${CMAKE_INSTALL_DATADIR}/keymime/web)
endif()
if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/docs/install.md)
  install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/docs/install.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
endif()

set(CPACK_PACKAGE_NAME keymime)
set(CPACK_PACKAGE_VENDOR "keymime")
set(CPACK_PACKAGE_CONTACT "keymime maintainers <keymime@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Raspberry Pi USB keyboard that types what MQTT tells it")
set(CPACK_PACKAGE_DESCRIPTION
  "keymime-agent turns a board with USB OTG (Raspberry Pi Zero, 4, 5) into a USB
keyboard driven over MQTT. Includes the configfs gadget script, systemd units
and the udev rule that lets the agent run unprivileged.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)   # libpaho-mqtt, libjson-c, libssl from the binary
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd, kmod")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd, udev")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "mosquitto-clients, python3")   # python3: keymime-broker
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${KEYMIME_PROV}/debian/postinst ${KEYMIME_PROV}/debian/prerm ${KEYMIME_PROV}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
