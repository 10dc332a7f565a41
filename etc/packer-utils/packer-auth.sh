# Credentials packer uses to build images (an openrc file, as rabbit2packer sourced it).
# packuilon reads it as data: "export NAME=value" lines, values bare, 'single' or "double"
# quoted; nothing is executed, and a value that needs the shell ($VAR, $(...)) is an error.
# OS_TENANT_ID and OS_DOMAIN_NAME are derived from OS_PROJECT_ID and OS_USER_DOMAIN_NAME,
# as the old wrapper did. Keep it mode 0600.
export OS_AUTH_URL=https://keystone.example.org:5000/v3
export OS_IDENTITY_API_VERSION=3
export OS_PROJECT_ID=00000000000000000000000000000000
export OS_PROJECT_NAME="image-factory"
export OS_USER_DOMAIN_NAME="Default"
export OS_USERNAME="packer"
export OS_PASSWORD="change-me"
export OS_REGION_NAME="RegionOne"
