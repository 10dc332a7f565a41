# Credentials of the image owner, for promotion in Glance and the smoke test ([promote]
# ADMIN_AUTH_FILE), as rename-old-images.sh sourced it. Read as data, like packer-auth.sh.
# Installed root:packuilon 0640: readable by the daemons, not by everyone.
export OS_AUTH_URL=https://keystone.example.org:5000/v3
export OS_IDENTITY_API_VERSION=3
export OS_PROJECT_ID=00000000000000000000000000000000
export OS_PROJECT_NAME="image-factory"
export OS_USER_DOMAIN_NAME="Default"
export OS_USERNAME="image-admin"
export OS_PASSWORD="change-me"
export OS_REGION_NAME="RegionOne"
