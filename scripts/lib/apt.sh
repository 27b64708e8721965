# Sourced by the ensure-*.sh scripts: installs Debian packages when this user may.
#
# apt_install WHAT PACKAGE...: installs the packages (root, or passwordless sudo), updating
# the package lists once if the first try fails; otherwise says how, naming WHAT they are
# for, and returns 1 so the caller can say what follows.
apt_install() {
  local what=$1
  shift
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "note: $what needs $* and there is no apt-get here: install them yourself." >&2
    return 1
  fi
  local sudo
  if [ "$(id -u)" = 0 ]; then
    sudo=""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  else
    echo "note: $what needs $*, and installing them needs root:" >&2
    echo "      sudo apt-get install $*" >&2
    return 1
  fi
  echo "Installing Debian's $* for $what..." >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null ||
    { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
}
